import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULT_DELIMITERS, escapeHl7, unescapeHl7 } from './message';
import { Hl7FrameError, parseHl7 } from './parse';
import { FIXTURES } from './fixtures-path';

const vectors = JSON.parse(readFileSync(join(FIXTURES, 'escape-vectors.json'), 'utf8')) as {
  unescape: { in: string; out: string }[];
  escape: { in: string; out: string }[];
};

describe('escapes', () => {
  it('unescapes the python-hl7 vectors (\\H\\ \\N\\ formatting is dropped, not underlined)', () => {
    for (const v of vectors.unescape) {
      const expected = v.in === '\\H\\text\\N\\' ? 'text' : v.out;
      expect(unescapeHl7(v.in, DEFAULT_DELIMITERS), v.in).toBe(expected);
    }
    expect(unescapeHl7('a\\.br\\b', DEFAULT_DELIMITERS)).toBe('a\nb');
    expect(unescapeHl7('no end \\F', DEFAULT_DELIMITERS)).toBe('no end \\F');
  });

  it('escapes delimiters (UTF-8 passes through)', () => {
    for (const v of vectors.escape.filter((x) => /^[\\|^&~a-z]+$/.test(x.in))) {
      expect(escapeHl7(v.in, DEFAULT_DELIMITERS)).toBe(v.out);
    }
  });

  it('uses the message own delimiters (MSH-2 ^~\\} and field separator _)', () => {
    const msg = parseHl7(readFileSync(join(FIXTURES, 'hapi-bar-p01-nonstandard-subcomp-sep-brace.hl7')));
    expect(msg.delimiters.subcomponent).toBe('}');
    const ack = parseHl7(
      readFileSync(join(FIXTURES, 'medplum-ack-nonstandard-field-separator-underscore.hl7')),
    );
    expect(ack.delimiters.field).toBe('_');
    expect(ack.type).toBe('ACK');
    expect(ack.get(ack.first('MSA'), 3)).toBe('Everything was okay dokay!');
  });
});

describe('parseHl7', () => {
  it('reads CR, LF and CRLF segment endings alike', () => {
    for (const eol of ['\r', '\n', '\r\n']) {
      const msg = parseHl7(
        Buffer.from(['MSH|^~\\&|A|B|||20240101||ORU^R01|1|P|2.5', 'PID|||1^^^X', ''].join(eol)),
      );
      expect(msg.segments.map((s) => s.id)).toEqual(['MSH', 'PID']);
      expect(msg.get(msg.msh, 9, 2)).toBe('R01');
      expect(msg.get(msg.first('PID'), 3, 4)).toBe('X');
    }
  });

  it('decodes ISO-8859-1 bytes per MSH-18, and reads mislabelled UTF-8 as UTF-8', () => {
    const latin = parseHl7(
      readFileSync(join(FIXTURES, 'DERIVED-nodehl7client-adt-a08-dutch-latin1-bytes.hl7')),
    );
    const utf = parseHl7(
      readFileSync(join(FIXTURES, 'nodehl7client-adt-a08-dutch-8859-1-diacritics-missing-cr.hl7')),
    );
    expect(latin.charset).toBe('iso-8859-1');
    expect(utf.charset).toBe('utf-8');
    expect(utf.warnings[0]).toMatch(/UTF-8/);
    expect(latin.get(latin.first('PID'), 5, 1, 1)).toContain('ë');
    expect(latin.get(latin.first('PID'), 5, 1, 1)).toBe(utf.get(utf.first('PID'), 5, 1, 1));
  });

  it('refuses batches, non-HL7 and broken segment structure with a reason', () => {
    const fail = (bytes: Buffer) => {
      try {
        parseHl7(bytes);
      } catch (error) {
        return error as Hl7FrameError;
      }
      throw new Error('parsed');
    };
    expect(fail(readFileSync(join(FIXTURES, 'pythonhl7-batch-fhs-bhs-adt-a04.hl7'))).failure).toBe('batch');
    expect(fail(Buffer.from('hello')).failure).toBe('not-hl7');
    expect(fail(readFileSync(join(FIXTURES, 'hapi-malformed-cr-inside-obx3.hl7'))).failure).toBe('structure');
    expect(fail(Buffer.from('MSH|^~\\&|A\rMSH|^~\\&|B')).failure).toBe('batch');
    expect(fail(Buffer.from('MSH|^^\\&|A')).failure).toBe('structure');
    expect(fail(Buffer.from(`MSH|^~\\&${'|'.repeat(16)}ISO IR87\r`)).failure).toBe('charset');
  });

  it('keeps a literal "MSH" inside a field and CRLF endings (HAPI super-structure)', () => {
    const msg = parseHl7(readFileSync(join(FIXTURES, 'hapi-adt-a01-crlf-two-pid-T-escape-msh-in-field.hl7')));
    expect(msg.all('PID')).toHaveLength(2);
    expect(msg.type).toBe('ADT');
  });
});
