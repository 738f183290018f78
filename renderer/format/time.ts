/**
 * The app's date and time display formats, one set for every screen. An instant reads in the
 * reader's local time, year first and 24-hour ("2026-11-25 14:03:07"): it sorts as text, means the
 * same to staff from any locale (a locale form like "11/12/2026, 2:03 PM" is November to some and
 * December to others), and matches the audit screen line for line.
 *
 * Each takes epoch ms or an ISO string, as the API sends both. Null or undefined reads "—"; an
 * unparseable value is shown as received, so a bad timestamp stays visible instead of "Invalid Date".
 */

/** An instant as the API sends it: epoch ms, or an ISO 8601 string. */
export type Instant = number | string;

const MISSING = '—';

const pad = (n: number) => String(n).padStart(2, '0');
const day = (d: Date) => `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}`;
const clock = (d: Date) => `${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;

function toDate(at: Instant): Date | undefined {
  const d = new Date(at);
  return Number.isNaN(d.getTime()) ? undefined : d;
}

function show(at: Instant | null | undefined, as: (d: Date) => string): string {
  if (at === null || at === undefined) return MISSING;
  const d = toDate(at);
  return d ? as(d) : String(at);
}

/** "2026-11-25 14:03:07", local time: the app's one form for a point in time. */
export const formatDateTime = (at: Instant | null | undefined): string =>
  show(at, (d) => `${day(d)} ${clock(d)}`);

/** "14:03:07", local time: for what is about today (live values, heartbeats, a lock ending soon). */
export const formatClock = (at: Instant | null | undefined): string => show(at, clock);

/**
 * "14:03:07" when `at` falls on the reader's local today (relative to `now`), else the date and
 * time: for lists that are mostly today's but reach back (alarm history over 8 or 24 hours),
 * where a bare clock time from yesterday would read as today's.
 */
export function formatClockToday(at: Instant | null | undefined, now: number): string {
  if (at === null || at === undefined) return MISSING;
  const d = toDate(at);
  if (!d) return String(at);
  return day(d) === day(new Date(now)) ? clock(d) : `${day(d)} ${clock(d)}`;
}

/** "2026-11-25": the local calendar date. */
export const formatDate = (at: Instant | null | undefined): string => show(at, day);

/** "just now", "12 s ago", "4 min ago", "3 h ago"; older than a day: the date and time. */
export function ago(at: Instant | null | undefined, now: number): string {
  if (at === null || at === undefined) return MISSING;
  const d = toDate(at);
  if (!d) return String(at);
  // A time slightly ahead of `now` is the node's clock against the browser's: it reads "just now".
  const seconds = Math.max(0, Math.round((now - d.getTime()) / 1000));
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return formatDateTime(d.getTime());
}

/** The reader's UTC offset at `at`, for column headers ("UTC+01:00"): the times below are local. */
export function localOffset(at = new Date()): string {
  const minutes = -at.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}
