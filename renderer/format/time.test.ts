import { describe, expect, it } from 'vitest';
import { pinTimeZone } from '../testing/time-zone';
import { ago, formatClock, formatClockToday, formatDate, formatDateTime, localOffset } from './time';

pinTimeZone('Europe/Berlin');

// 2026-11-25 13:03:07 UTC is 14:03:07 in Berlin (UTC+01:00 in November).
const ISO = '2026-11-25T13:03:07.000Z';
const MS = Date.UTC(2026, 10, 25, 13, 3, 7);

describe('formatDateTime', () => {
  it('shows local date and time, 24-hour, to the second', () => {
    expect(formatDateTime(ISO)).toBe('2026-11-25 14:03:07');
    expect(formatDateTime(MS)).toBe('2026-11-25 14:03:07');
    expect(formatDateTime('2026-07-01T22:30:00Z')).toBe('2026-07-02 00:30:00');
    expect(formatDateTime(Date.UTC(2026, 0, 1, 8, 5, 9))).toBe('2026-01-01 09:05:09');
  });

  it('shows an unparseable input as received, and a missing one as a dash', () => {
    expect(formatDateTime('yesterday-ish')).toBe('yesterday-ish');
    expect(formatDateTime(Number.NaN)).toBe('NaN');
    expect(formatDateTime(null)).toBe('—');
    expect(formatDateTime(undefined)).toBe('—');
  });
});

describe('formatClockToday', () => {
  it("shows the clock time on the reader's today, the date too on any other day", () => {
    // 23:30 Berlin on the 25th is still the 25th there, though already past 22:30 UTC.
    const lateEvening = Date.UTC(2026, 10, 25, 22, 30, 0);
    expect(formatClockToday(ISO, lateEvening)).toBe('14:03:07');
    expect(formatClockToday(ISO, Date.UTC(2026, 10, 25, 23, 30, 0))).toBe('2026-11-25 14:03:07');
    expect(formatClockToday(MS, MS + 86_400_000)).toBe('2026-11-25 14:03:07');
  });

  it('shows an unparseable input as received, and a missing one as a dash', () => {
    expect(formatClockToday('soon', MS)).toBe('soon');
    expect(formatClockToday(null, MS)).toBe('—');
  });
});

describe('formatClock', () => {
  it('shows the local time of day', () => {
    expect(formatClock(ISO)).toBe('14:03:07');
    expect(formatClock(MS)).toBe('14:03:07');
    expect(formatClock('2026-11-25T23:00:00Z')).toBe('00:00:00');
  });

  it('shows an unparseable input as received, and a missing one as a dash', () => {
    expect(formatClock('soon')).toBe('soon');
    expect(formatClock(null)).toBe('—');
  });
});

describe('formatDate', () => {
  it('shows the local calendar date', () => {
    expect(formatDate(ISO)).toBe('2026-11-25');
    expect(formatDate(MS)).toBe('2026-11-25');
    // Still the 25th in UTC, already the 26th in Berlin.
    expect(formatDate('2026-11-25T23:30:00Z')).toBe('2026-11-26');
  });

  it('shows an unparseable input as received, and a missing one as a dash', () => {
    expect(formatDate('2026-13-45')).toBe('2026-13-45');
    expect(formatDate(null)).toBe('—');
  });
});

describe('ago', () => {
  const now = MS;

  it('counts seconds, minutes and hours, then gives the date and time', () => {
    expect(ago(now - 1000, now)).toBe('just now');
    expect(ago(now - 12_000, now)).toBe('12 s ago');
    expect(ago(new Date(now - 4 * 60_000 - 30_000).toISOString(), now)).toBe('4 min ago');
    expect(ago(now - 3 * 3_600_000 - 59 * 60_000, now)).toBe('3 h ago');
    expect(ago('2026-11-24T13:03:07.000Z', now)).toBe('2026-11-24 14:03:07');
  });

  it('reads a time a little ahead of the browser clock as just now', () => {
    expect(ago(now + 5000, now)).toBe('just now');
  });

  it('shows an unparseable input as received, and a missing one as a dash', () => {
    expect(ago('garbled', now)).toBe('garbled');
    expect(ago(null, now)).toBe('—');
  });
});

describe('localOffset', () => {
  it("gives the reader's offset from UTC at that instant", () => {
    expect(localOffset(new Date(ISO))).toBe('UTC+01:00');
    expect(localOffset(new Date('2026-07-01T12:00:00Z'))).toBe('UTC+02:00');
  });
});
