/**
 * HL7 DTM/TS: YYYY[MM[DD[HH[MM[SS[.S[S[S[S]]]]]]]]][+/-ZZZZ]. Without an offset the time is the
 * sender's local time, which for a bedside device is the facility's: the node's time zone.
 * @see HL7 v2.5.1 2.A.22 DTM
 */
const DTM =
  /^(\d{4})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:(\d{2})(?:\.(\d{1,4}))?)?)?)?)?)?([+-]\d{4})?$/;

/**
 * The last value read and its result: a PCD-01 message repeats one time in OBR-7 and in every
 * OBX-14, and the regular expression was a tenth of mapping it. (The result depends only on the
 * text and the process's time zone, which doesn't change under a running node.)
 */
let last: { value: string; result: number | undefined } = { value: '', result: undefined };

/** Epoch milliseconds, or undefined when the value isn't a valid DTM. */
export function parseDtm(value: string): number | undefined {
  if (value === last.value && value !== '') return last.result;
  const result = readDtm(value);
  last = { value, result };
  return result;
}

function readDtm(value: string): number | undefined {
  const m = DTM.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo = '01', d = '01', h = '00', mi = '00', s = '00', frac = '', tz] = m;
  const year = Number(y);
  const month = Number(mo);
  const day = Number(d);
  const hour = Number(h);
  const minute = Number(mi);
  const second = Number(s);
  if (month < 1 || month > 12 || day < 1 || day > 31 || hour > 23 || minute > 59 || second > 59)
    return undefined;
  const ms = frac ? Math.round(Number(`0.${frac}`) * 1000) : 0;
  let t: number;
  if (tz) {
    const sign = tz.startsWith('-') ? -1 : 1;
    const offH = Number(tz.slice(1, 3));
    const offM = Number(tz.slice(3, 5));
    if (offH > 14 || offM > 59) return undefined;
    t = Date.UTC(year, month - 1, day, hour, minute, second, ms) - sign * (offH * 60 + offM) * 60_000;
  } else {
    t = new Date(year, month - 1, day, hour, minute, second, ms).getTime();
  }
  // Reject roll-overs such as 31 February or 20 March 352 (a DOB typo that Date would accept).
  const check = new Date(Date.UTC(year, month - 1, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day) return undefined;
  return t;
}

/** A birth date (DT, or a DTM whose date part is taken) as YYYY, YYYY-MM or YYYY-MM-DD. */
export function parseBirthDate(value: string): string | undefined {
  const m = /^(\d{4})(\d{2})?(\d{2})?(?:\d{0,6}(?:\.\d{1,4})?)?(?:[+-]\d{4})?$/.exec(value.trim());
  if (!m) return undefined;
  const [, y, mo, d] = m;
  if (mo && (Number(mo) < 1 || Number(mo) > 12)) return undefined;
  if (d && mo) {
    const check = new Date(Date.UTC(Number(y), Number(mo) - 1, Number(d)));
    if (check.getUTCDate() !== Number(d)) return undefined;
    return `${y}-${mo}-${d}`;
  }
  return mo ? `${y}-${mo}` : y;
}
