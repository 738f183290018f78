import { createHmac } from 'node:crypto';

/**
 * The field transforms of de-identification. Each is a pure function of its input and the
 * release key, so a release is reproducible with its key and unlinkable without it.
 * @see HIPAA §164.514(b)(2) (Safe Harbor) and §164.514(c) (re-identification codes)
 */

const DAY_MS = 86_400_000;

/** Key material must be at least 256 bits: the pseudonyms' secrecy rests on it. */
export function assertKey(key: Buffer): void {
  if (key.length < 32) throw new RangeError('a de-identification key needs at least 32 bytes');
}

/**
 * A keyed pseudonym for an internal patient id: HMAC-SHA256, truncated to 128 bits. Not derived
 * reversibly from any identifier (the input is the store's row id, the key never leaves the
 * node), so it is the "re-identification code" §164.514(c) allows.
 */
export function pseudonym(key: Buffer, kind: string, id: number): string {
  return createHmac('sha256', key).update(`${kind}\u0000${id}`).digest('hex').slice(0, 32);
}

/**
 * The patient's date shift in whole days, in [-maxDays, -1] ∪ [1, maxDays]: never 0, so no row
 * keeps its true date. Whole days keep time of day (circadian patterns stay usable); one offset
 * for all of a patient's rows keeps every interval and the order exactly.
 */
export function shiftDays(key: Buffer, patientId: number, maxDays: number): number {
  const digest = createHmac('sha256', key).update(`dateshift\u0000${patientId}`).digest();
  const r = digest.readUInt32BE(0) % (2 * maxDays);
  return r < maxDays ? -(r + 1) : r - maxDays + 1;
}

export const shiftMs = (days: number): number => days * DAY_MS;

export type TimeGrain = 'year' | 'month' | 'day' | 'hour' | 'minute';

/** Truncates an instant (UTC) to the start of its year, month, day, hour or minute. */
export function truncateTime(ms: number, grain: TimeGrain): number {
  switch (grain) {
    case 'minute':
      return Math.floor(ms / 60_000) * 60_000;
    case 'hour':
      return Math.floor(ms / 3_600_000) * 3_600_000;
    case 'day':
      return Math.floor(ms / DAY_MS) * DAY_MS;
    case 'month': {
      const d = new Date(ms);
      return Date.UTC(d.getUTCFullYear(), d.getUTCMonth(), 1);
    }
    case 'year':
      return Date.UTC(new Date(ms).getUTCFullYear(), 0, 1);
    default: {
      const never: never = grain;
      throw new Error(`unknown grain ${String(never)}`);
    }
  }
}

/**
 * Age in whole years at an instant, from a birth date stored as YYYY, YYYY-MM or YYYY-MM-DD.
 * A partial date is taken at its latest possible day, so an age is never overstated by precision
 * the source didn't have.
 */
export function ageAt(birthDate: string | null | undefined, at: number): number | undefined {
  const m = /^(\d{4})(?:-(\d{2}))?(?:-(\d{2}))?$/.exec(birthDate ?? '');
  if (!m) return undefined;
  const year = Number(m[1]);
  const month = m[2] ? Number(m[2]) : 12;
  const day = m[3] ? Number(m[3]) : new Date(Date.UTC(year, month, 0)).getUTCDate();
  const now = new Date(at);
  let age = now.getUTCFullYear() - year;
  const beforeBirthday =
    now.getUTCMonth() + 1 < month || (now.getUTCMonth() + 1 === month && now.getUTCDate() < day);
  if (beforeBirthday) age -= 1;
  return age < 0 ? undefined : age;
}

/**
 * An age band: `bandYears`-wide bands, and everyone from `top` up in one band, so no age over 89
 * is ever shown (Safe Harbor (C): "aggregated into a single category of age 90 or older").
 */
export function ageBand(age: number | undefined, bandYears = 5, top = 90): string {
  if (age === undefined) return 'unknown';
  const cap = Math.min(top, 90);
  if (age >= cap) return `${cap}+`;
  const lo = Math.floor(age / bandYears) * bandYears;
  const hi = Math.min(lo + bandYears - 1, cap - 1);
  return `${lo}-${hi}`;
}

/**
 * Three-digit ZIP areas of 20,000 people or fewer (2000 census), which Safe Harbor (B) requires to
 * be shown as 000. @see HHS "Guidance Regarding Methods for De-identification of PHI" §2.4, DOMAIN.md
 */
export const RESTRICTED_ZIP3 = new Set([
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
]);

/**
 * A US ZIP (5 or 9 digits) to its first three digits, or 000 for a restricted area. Anything
 * else (a foreign postcode, garbage) is `unknown`: its geography can't be judged, so none is shown.
 */
export function zip3(zip: string | null | undefined): string {
  const m = /^(\d{3})\d{2}(?:-?\d{4})?$/.exec((zip ?? '').trim());
  if (!m?.[1]) return 'unknown';
  return RESTRICTED_ZIP3.has(m[1]) ? '000' : m[1];
}

/** Administrative sex as one small vocabulary, whatever the source (HL7 table 0001, FHIR gender). */
export function normaliseSex(sex: string | null | undefined): string {
  switch ((sex ?? '').trim().toLowerCase()) {
    case 'f':
    case 'female':
      return 'female';
    case 'm':
    case 'male':
      return 'male';
    case 'o':
    case 'a':
    case 'other':
      return 'other';
    default:
      return 'unknown';
  }
}

/**
 * A device's type as an MDC term only (`MDC_DEV_ANALY_SAT_O2_VMD`) or its MDC number; anything else
 * becomes `other`. Device kinds arrive as free text from OBX-3/OBX-18, and free text can carry a
 * serial number or an address (Safe Harbor (M), (O)), so nothing outside the term grammar passes.
 */
export function deviceType(kind: string | null | undefined): string {
  const k = (kind ?? '').trim();
  if (/^MDC_[A-Z0-9_]{1,60}$/.test(k)) return k;
  if (/^\d{5,6}$/.test(k)) return k;
  return k === '' ? 'unknown' : 'other';
}

/** A small, fast PRNG step (splitmix32) for keyed, repeatable noise. */
function mix32(x: number): number {
  x = (x + 0x9e3779b9) | 0;
  x = Math.imul(x ^ (x >>> 16), 0x85ebca6b);
  x = Math.imul(x ^ (x >>> 13), 0xc2b2ae35);
  return (x ^ (x >>> 16)) >>> 0;
}

/** A 32-bit seed from the key, so noise differs per key and repeats for the same key and row. */
export function noiseSeed(key: Buffer): number {
  return createHmac('sha256', key).update('perturb').digest().readUInt32BE(0);
}

/** Adds bounded uniform noise: |result − value| ≤ bound, rounded to 2 decimals. */
export function perturb(value: number, seed: number, rowId: number, bound: number): number {
  const u = mix32(seed ^ mix32(rowId | 0) ^ mix32(Math.floor(rowId / 4294967296))) / 4294967295;
  const noisy = value + (u * 2 - 1) * bound;
  return Math.round(noisy * 100) / 100;
}
