/**
 * A small, strict HL7 v2 ER7 ("pipe") reader. Medplum's Hl7Message neither unescapes nor reads
 * batches nor decodes MSH-18 character sets, and ingest needs all three, so parsing is done here;
 * Medplum's client is what the tests send with.
 * @see HL7 v2.5.1 Chapter 2, 2.5 "Message construction rules", 2.7 "Use of escape sequences"
 */

export interface Delimiters {
  readonly field: string;
  readonly component: string;
  readonly repetition: string;
  /** Absent when MSH-2 names only three characters (then nothing is escaped). */
  readonly escape: string | undefined;
  readonly subcomponent: string | undefined;
}

export const DEFAULT_DELIMITERS: Delimiters = {
  field: '|',
  component: '^',
  repetition: '~',
  escape: '\\',
  subcomponent: '&',
};

export interface Segment {
  readonly id: string;
  /** Position of the segment in the message, from 1. */
  readonly index: number;
  /**
   * Raw (still escaped) fields, indexed by HL7 field number: fields[1] is SEG-1. For MSH,
   * fields[1] is the field separator and fields[2] the encoding characters, as the standard counts.
   */
  readonly fields: readonly string[];
}

export class Hl7ParseError extends Error {
  override readonly name = 'Hl7ParseError';
  constructor(
    message: string,
    /** HL7 table 0357 error code for the ERR segment. */
    readonly code: number,
    readonly location?: { segment: string; sequence: number; field?: number },
  ) {
    super(message);
  }
}

export class Hl7Message {
  constructor(
    readonly segments: readonly Segment[],
    readonly delimiters: Delimiters,
    /** The character set the bytes were decoded with (an iconv/TextDecoder label). */
    readonly charset: string,
    /** Things that were tolerated (a mislabelled charset, …), for the message's review record. */
    readonly warnings: readonly string[],
  ) {}

  get msh(): Segment {
    return this.segments[0] as Segment;
  }

  first(id: string): Segment | undefined {
    return this.segments.find((s) => s.id === id);
  }

  all(id: string): Segment[] {
    return this.segments.filter((s) => s.id === id);
  }

  /** The raw field, still escaped; '' when absent. */
  raw(segment: Segment | undefined, field: number): string {
    return segment?.fields[field] ?? '';
  }

  repetitions(raw: string): string[] {
    return raw === '' ? [] : raw.split(this.delimiters.repetition);
  }

  components(raw: string): string[] {
    return raw.split(this.delimiters.component);
  }

  subcomponents(raw: string): string[] {
    return this.delimiters.subcomponent ? raw.split(this.delimiters.subcomponent) : [raw];
  }

  /**
   * One value, unescaped: field n, repetition r (from 0), component c and sub-component s (from 1).
   * HL7 `""` (explicit null) reads as ''.
   */
  get(segment: Segment | undefined, field: number, component = 1, subcomponent = 1, repetition = 0): string {
    const raw = segment?.fields[field];
    if (!raw) return '';
    // Cut out the one piece by position instead of splitting into arrays: mapping an ORU^R01
    // reads ~15 values per OBX, and the splits were most of its cost (bench/ingest.ts).
    const d = this.delimiters;
    const rep = nth(raw, d.repetition, repetition);
    const comp = nth(rep, d.component, component - 1);
    const sub = d.subcomponent ? nth(comp, d.subcomponent, subcomponent - 1) : subcomponent === 1 ? comp : '';
    return this.text(sub);
  }

  /** Unescapes one leaf value. */
  text(raw: string): string {
    if (raw === '""') return '';
    return unescapeHl7(raw, this.delimiters);
  }

  /** Message type (MSH-9.1), trigger (MSH-9.2), version (MSH-12.1), control id (MSH-10). */
  get type(): string {
    return this.get(this.msh, 9, 1).toUpperCase();
  }
  get trigger(): string {
    return this.get(this.msh, 9, 2).toUpperCase();
  }
  get version(): string {
    return this.get(this.msh, 12, 1);
  }
  get controlId(): string {
    return this.get(this.msh, 10);
  }
}

/** The n-th (from 0) piece of `s` between `sep`s, as `s.split(sep)[n] ?? ''` gives it. */
function nth(s: string, sep: string, n: number): string {
  let start = 0;
  for (let k = 0; k < n; k++) {
    const i = s.indexOf(sep, start);
    if (i === -1) return '';
    start = i + sep.length;
  }
  const end = s.indexOf(sep, start);
  return end === -1 ? (start === 0 ? s : s.slice(start)) : s.slice(start, end);
}

/**
 * Reads HL7 escape sequences: \F\ \S\ \T\ \R\ \E\, \Xhh…\ (bytes: UTF-8 when they form valid
 * UTF-8, else ISO-8859-1 code points, as python-hl7 reads them), \.br\ → newline, \H\ \N\ and
 * other formatting sequences are dropped. An unknown or unterminated sequence is kept as written.
 * @see HL7 v2.5.1 2.7
 */
export function unescapeHl7(raw: string, d: Delimiters): string {
  const esc = d.escape;
  if (!esc || !raw.includes(esc)) return raw;
  let out = '';
  let i = 0;
  while (i < raw.length) {
    const start = raw.indexOf(esc, i);
    if (start === -1) {
      out += raw.slice(i);
      break;
    }
    out += raw.slice(i, start);
    const end = raw.indexOf(esc, start + 1);
    if (end === -1) {
      out += raw.slice(start);
      break;
    }
    const seq = raw.slice(start + 1, end);
    const replaced = replaceEscape(seq, d);
    out += replaced ?? raw.slice(start, end + 1);
    i = end + 1;
  }
  return out;
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

function replaceEscape(seq: string, d: Delimiters): string | undefined {
  switch (seq) {
    case 'F':
      return d.field;
    case 'S':
      return d.component;
    case 'T':
      return d.subcomponent ?? '&';
    case 'R':
      return d.repetition;
    case 'E':
      return d.escape ?? '\\';
    case 'H':
    case 'N':
      return '';
    case '.br':
      return '\n';
    default:
      break;
  }
  if (/^X([0-9A-Fa-f]{2})+$/.test(seq)) {
    const bytes = Buffer.from(seq.slice(1), 'hex');
    try {
      return utf8Strict.decode(bytes);
    } catch {
      return bytes.toString('latin1');
    }
  }
  // Other formatting commands (\.sp\, \.in\, \Cxxyy\, \Mxxyyzz\, \Zxx\): not text; dropped.
  if (/^(\.[a-z]{2}[+-]?\d*|[CM][0-9A-Fa-f]+|Z.*)$/.test(seq)) return '';
  return undefined;
}

/** Escapes a value for writing into a field (ACK texts carry echoes of what was received). */
export function escapeHl7(value: string, d: Delimiters): string {
  const esc = d.escape ?? '\\';
  let out = '';
  for (const ch of value) {
    if (ch === esc) out += `${esc}E${esc}`;
    else if (ch === d.field) out += `${esc}F${esc}`;
    else if (ch === d.component) out += `${esc}S${esc}`;
    else if (ch === d.subcomponent) out += `${esc}T${esc}`;
    else if (ch === d.repetition) out += `${esc}R${esc}`;
    else if (ch === '\r' || ch === '\n') out += `${esc}X0D${esc}`;
    else out += ch;
  }
  return out;
}
