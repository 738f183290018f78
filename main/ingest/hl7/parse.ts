import { isAscii } from 'node:buffer';
import { Hl7Message, Hl7ParseError, type Delimiters, type Segment } from './message';

/** Why a frame could not be read as one HL7 message; decides between AE and AR. */
export type ParseFailure = 'not-hl7' | 'batch' | 'charset' | 'structure';

export class Hl7FrameError extends Hl7ParseError {
  constructor(
    readonly failure: ParseFailure,
    message: string,
    code: number,
    location?: { segment: string; sequence: number; field?: number },
  ) {
    super(message, code, location);
  }
}

const utf8Strict = new TextDecoder('utf-8', { fatal: true });

/**
 * MSH-18 → a decoder label. HL7 table 0211 names; UTF-8 is assumed when MSH-18 is empty (it is
 * what every current gateway sends, and ASCII is a subset of it).
 * @see HL7 v2.5.1 2.15.9.18, table 0211
 */
function decoderLabel(charset: string): string | undefined {
  const c = charset.trim().toUpperCase();
  if (c === '' || c === 'ASCII' || c === 'UNICODE UTF-8' || c === 'UTF-8' || c === 'UTF8') return 'utf-8';
  const iso = /^(?:8859\/|ISO-?8859-|ISO IR)(\d+)$/.exec(c);
  if (iso) {
    // ISO IR numbers name the same sets: IR100 = 8859-1, IR101 = 8859-2, IR148 = 8859-9.
    const ir: Record<string, string> = {
      '100': '1',
      '101': '2',
      '109': '3',
      '110': '4',
      '144': '5',
      '127': '6',
      '126': '7',
      '138': '8',
      '148': '9',
    };
    const part = c.startsWith('ISO IR') ? ir[iso[1] as string] : iso[1];
    return part && supported(`iso-8859-${part}`) ? `iso-8859-${part}` : undefined;
  }
  if (c === 'WINDOWS-1252' || c === 'CP1252') return 'windows-1252';
  return undefined;
}

function supported(label: string): boolean {
  try {
    new TextDecoder(label);
    return true;
  } catch {
    return false;
  }
}

/** Reads MSH-18 from the raw bytes (the first segment is ASCII in every supported set). */
function declaredCharset(bytes: Buffer): string {
  const head = bytes.subarray(0, Math.min(bytes.length, 2048)).toString('latin1');
  const firstLine = head.split(/\r|\n/, 1)[0] ?? '';
  const sep = firstLine[3];
  if (!sep) return '';
  const fields = firstLine.split(sep);
  const repetition = fields[1]?.[1] ?? '~';
  // fields[0] is "MSH", fields[1] MSH-2, so MSH-18 is fields[17].
  return (fields[17] ?? '').split(repetition)[0] ?? '';
}

/** Decodes a frame's bytes per MSH-18; a mislabelled UTF-8 message is read as UTF-8 and noted. */
export function decodeFrame(bytes: Buffer): { text: string; charset: string; warnings: string[] } {
  const declared = declaredCharset(bytes);
  const label = decoderLabel(declared);
  if (!label) {
    throw new Hl7FrameError(
      'charset',
      `character set "${declared}" (MSH-18) is not supported; use UNICODE UTF-8 or 8859/1`,
      203,
      {
        segment: 'MSH',
        sequence: 1,
        field: 18,
      },
    );
  }
  // A native scan: a per-byte callback (Array.some) was a tenth of the parse.
  if (isAscii(bytes)) return { text: bytes.toString('latin1'), charset: label, warnings: [] };
  if (label === 'utf-8') {
    try {
      return { text: utf8Strict.decode(bytes), charset: label, warnings: [] };
    } catch {
      throw new Hl7FrameError(
        'charset',
        `bytes are not valid UTF-8 although MSH-18 is "${declared || '(empty: UTF-8)'}"`,
        102,
        {
          segment: 'MSH',
          sequence: 1,
          field: 18,
        },
      );
    }
  }
  // A single-byte set declared, but the bytes are valid multi-byte UTF-8: that is a sender which
  // labels its UTF-8 output wrongly (common; real Latin-1 text is almost never valid UTF-8).
  try {
    const text = utf8Strict.decode(bytes);
    return {
      text,
      charset: 'utf-8',
      warnings: [`MSH-18 says "${declared}" but the bytes are UTF-8; read as UTF-8`],
    };
  } catch {
    return { text: new TextDecoder(label).decode(bytes), charset: label, warnings: [] };
  }
}

const SEGMENT_ID = /^[A-Z][A-Z0-9]{2}$/;

/**
 * Parses one message. CR, LF or CRLF end segments; empty lines are skipped. Throws
 * Hl7FrameError for what can't be read as one message (batches, no MSH, bad delimiters).
 */
export function parseHl7(bytes: Buffer): Hl7Message {
  const start = bytes.subarray(0, 3).toString('latin1');
  if (start === 'FHS' || start === 'BHS') {
    throw new Hl7FrameError(
      'batch',
      'FHS/BHS batches are not accepted over MLLP; send each message in its own frame',
      100,
      {
        segment: start,
        sequence: 1,
      },
    );
  }
  if (start !== 'MSH') {
    throw new Hl7FrameError('not-hl7', 'the frame does not start with an MSH segment', 100, {
      segment: 'MSH',
      sequence: 1,
    });
  }
  const { text, charset, warnings } = decodeFrame(bytes);
  const delimiters = readDelimiters(text);
  // Most senders end segments with CR only: a plain split, the regular expression only if needed.
  const lines = text.includes('\n') ? text.split(/\r\n|\r|\n/) : text.split('\r');
  const segments: Segment[] = [];
  let index = 0;
  for (const line of lines) {
    // A line that starts with a visible character is not blank: trim only the others.
    if (line === '' || (line.charCodeAt(0) <= 0x20 && line.trim() === '')) continue;
    index++;
    const id = line.slice(0, 3);
    if (!SEGMENT_ID.test(id) || (line.length > 3 && line[3] !== delimiters.field)) {
      throw new Hl7FrameError(
        'structure',
        `segment ${index} does not start with a segment id and a field separator (a line break inside a field?)`,
        100,
        { segment: id.replace(/[^A-Za-z0-9]/g, '?'), sequence: index },
      );
    }
    const parts = line.split(delimiters.field);
    // MSH-1 is the field separator itself, so MSH fields are shifted by one against the split.
    const fields = id === 'MSH' ? ['MSH', delimiters.field, ...parts.slice(1)] : parts;
    segments.push({ id, index, fields });
  }
  const message = new Hl7Message(segments, delimiters, charset, warnings);
  for (const seg of segments) {
    if (seg.id === 'MSH' && seg.index !== 1) {
      throw new Hl7FrameError(
        'batch',
        'more than one MSH in one frame; send each message in its own frame',
        100,
        {
          segment: 'MSH',
          sequence: seg.index,
        },
      );
    }
  }
  return message;
}

function readDelimiters(text: string): Delimiters {
  const field = text[3];
  if (!field || /[A-Za-z0-9\r\n]/.test(field)) {
    throw new Hl7FrameError('structure', 'MSH-1 (field separator) is missing or invalid', 101, {
      segment: 'MSH',
      sequence: 1,
      field: 1,
    });
  }
  const end = text.indexOf(field, 4);
  const lineEnd = text.search(/\r|\n/);
  const enc = text.slice(4, end === -1 || (lineEnd !== -1 && lineEnd < end) ? lineEnd : end);
  const chars = [...enc];
  const distinct = new Set([field, ...chars]);
  if (
    chars.length < 2 ||
    chars.length > 5 ||
    distinct.size !== chars.length + 1 ||
    /[A-Za-z0-9 ]/.test(enc)
  ) {
    throw new Hl7FrameError('structure', `MSH-2 (encoding characters) "${enc}" is invalid`, 102, {
      segment: 'MSH',
      sequence: 1,
      field: 2,
    });
  }
  return {
    field,
    component: chars[0] as string,
    repetition: chars[1] as string,
    escape: chars[2],
    subcomponent: chars[3],
  };
}
