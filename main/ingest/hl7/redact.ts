import { decodeFrame } from './parse';

/** Segments with no patient data in them. */
const KEEP = new Set(['MSH', 'MSA', 'ERR', 'EVN', 'SFT']);
/** Fields kept in OBR/OBX: codes, types, units, flags, status, times (values only when numeric). */
const KEEP_FIELDS: Record<string, ReadonlySet<number>> = {
  OBR: new Set([1, 4, 7, 25]),
  OBX: new Set([1, 2, 3, 4, 6, 7, 8, 11, 14]),
};

/**
 * A raw message with the patient masked, for roles that run the interface but may not see PHI
 * (facility IT). Structure stays readable: every segment, every field position; values of
 * PID/PV1/NK1/Z-segments and free text become `***`.
 * @see HIPAA §164.514(b)(2) — names, dates, identifiers, device serials are all masked
 */
export function redactHl7(raw: Buffer): string {
  let text: string;
  try {
    text = decodeFrame(raw).text;
  } catch {
    text = raw.toString('latin1');
  }
  const field = text.startsWith('MSH') ? (text[3] ?? '|') : '|';
  return text
    .split(/\r\n|\r|\n/)
    .filter((line) => line !== '')
    .map((line) => {
      const id = line.slice(0, 3);
      if (KEEP.has(id)) return line;
      const keep = KEEP_FIELDS[id];
      const parts = line.split(field);
      const numeric = id === 'OBX' && parts[2] === 'NM';
      return parts
        .map((value, i) => {
          if (i === 0 || value === '') return value;
          if (keep?.has(i) || (numeric && i === 5)) return value;
          return '***';
        })
        .join(field);
    })
    .join('\r');
}
