import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import {
  ageAt,
  ageBand,
  deviceType,
  perturb,
  pseudonym,
  RESTRICTED_ZIP3,
  shiftDays,
  truncateTime,
  zip3,
} from './transforms';

describe('de-identification transforms', () => {
  it('ZIP to three digits, 000 for every restricted area of the Safe Harbor list, unknown otherwise', () => {
    expect(zip3('02139')).toBe('021');
    expect(zip3('02139-4307')).toBe('021');
    for (const z of [
      '036',
      '059',
      '063',
      '102',
      '203',
      '556',
      '692',
      '790',
      '821',
      '823',
      '830',
      '831',
      '878',
      '879',
      '884',
      '890',
      '893',
    ])
      expect(zip3(`${z}45`)).toBe('000');
    expect(RESTRICTED_ZIP3.size).toBe(17);
    expect(zip3('3999')).toBe('unknown');
    expect(zip3('SW1A 1AA')).toBe('unknown');
    expect(zip3(undefined)).toBe('unknown');
  });

  it('age bands of 5 years with 90+ as one band; no age over 89 ever shown', () => {
    expect(ageBand(0)).toBe('0-4');
    expect(ageBand(89)).toBe('85-89');
    expect(ageBand(90)).toBe('90+');
    expect(ageBand(104)).toBe('90+');
    expect(ageBand(95, 5, 100)).toBe('90+');
    expect(ageBand(undefined)).toBe('unknown');
    expect(ageAt('1936-06-15', Date.UTC(2026, 5, 14))).toBe(89);
    expect(ageAt('1936-06-15', Date.UTC(2026, 5, 15))).toBe(90);
    expect(ageAt('1936', Date.UTC(2026, 5, 15))).toBe(89);
  });

  it('date shift: whole days in ±N, never 0, fixed per patient and key', () => {
    const key = randomBytes(32);
    const shifts = Array.from({ length: 2000 }, (_, i) => shiftDays(key, i, 30));
    expect(shifts.every((d) => d !== 0 && Math.abs(d) <= 30 && Number.isInteger(d))).toBe(true);
    expect(new Set(shifts).size).toBe(60);
    expect(shiftDays(key, 7, 30)).toBe(shifts[7]);
  });

  it('pseudonyms: 128-bit hex, stable per key, different across keys', () => {
    const a = randomBytes(32);
    const b = randomBytes(32);
    expect(pseudonym(a, 'patient', 1)).toMatch(/^[0-9a-f]{32}$/);
    expect(pseudonym(a, 'patient', 1)).toBe(pseudonym(a, 'patient', 1));
    expect(pseudonym(a, 'patient', 1)).not.toBe(pseudonym(b, 'patient', 1));
    expect(pseudonym(a, 'patient', 1)).not.toBe(pseudonym(a, 'patient', 2));
  });

  it('device type passes MDC terms only: a serial or an IP in free text becomes other', () => {
    expect(deviceType('MDC_DEV_ANALY_SAT_O2_VMD')).toBe('MDC_DEV_ANALY_SAT_O2_VMD');
    expect(deviceType('0123456789ABCDEF^EUI-64')).toBe('other');
    expect(deviceType('Monitor 10.1.2.3 SN 4711')).toBe('other');
    expect(deviceType(null)).toBe('unknown');
  });

  it('time grains and bounded noise', () => {
    const t = Date.UTC(2026, 6, 14, 13, 47, 12, 345);
    expect(new Date(truncateTime(t, 'year')).toISOString()).toBe('2026-01-01T00:00:00.000Z');
    expect(new Date(truncateTime(t, 'hour')).toISOString()).toBe('2026-07-14T13:00:00.000Z');
    for (let i = 0; i < 1000; i++) expect(Math.abs(perturb(80, 12345, i, 2) - 80)).toBeLessThanOrEqual(2.005);
  });
});
