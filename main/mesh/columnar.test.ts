import { describe, expect, it } from 'vitest';
import type { OutValue } from '../deid/pipeline';
import { batchHash } from './batch';
import { ColumnarError, checkColumnar, decodeColumnar, encodeColumnar, isColumnar } from './columnar';

const rows: OutValue[][] = Array.from({ length: 1003 }, (_, i) => [
  `p_${(i % 37).toString(16).padStart(16, '0')}`,
  i % 5 === 0 ? null : '40-49',
  1_704_067_200_000 + i * 5000, // epoch ms: exact in float64
  60.25 + (i % 50),
  i % 7 === 0 ? null : i,
  null, // a redacted column
  i % 2 ? 'mixed' : i, // a column of both strings and numbers
]);

describe('columnar-v1 batch encoding', () => {
  it('round-trips strings, numbers, nulls and mixed columns exactly, in fewer bytes than JSON', () => {
    const b = encodeColumnar(rows, 7);
    expect(isColumnar(b)).toBe(true);
    expect(decodeColumnar(b, 7)).toEqual(rows);
    expect(checkColumnar(b, 7)).toBe(1003);
    expect(b.length).toBeLessThan(Buffer.from(JSON.stringify(rows)).length);
    expect(decodeColumnar(encodeColumnar([], 7), 7)).toEqual([]);
  });

  it('widens the dictionary index past 65,534 distinct strings', () => {
    const many: OutValue[][] = Array.from({ length: 70_000 }, (_, i) => [`s${i}`]);
    expect(decodeColumnar(encodeColumnar(many, 1), 1)).toEqual(many);
  });

  it('refuses a batch cut short, with bytes left over, with the wrong width, an index outside its dictionary, or NaN', () => {
    const b = encodeColumnar(rows, 7);
    expect(() => checkColumnar(b.subarray(0, b.length - 1), 7)).toThrow(ColumnarError);
    expect(() => checkColumnar(Buffer.concat([b, Buffer.from([0])]), 7)).toThrow(
      /bytes after the last column/,
    );
    expect(() => checkColumnar(b, 6)).toThrow(/7 columns, expected 6/);
    const one = encodeColumnar([['a'], ['b']], 1);
    const bad = Buffer.from(one);
    bad.writeUInt16LE(9, bad.length - 2); // the last row's index: 9 of a dictionary of 2
    expect(() => checkColumnar(bad, 1)).toThrow(/index 9 outside a dictionary of 2/);
    const nan = encodeColumnar([[1.5]], 1);
    nan.writeDoubleLE(Number.NaN, nan.length - 8);
    expect(() => checkColumnar(nan, 1)).toThrow(/not finite/);
    expect(() => checkColumnar(Buffer.from('[[1]]'), 1)).toThrow(/not a columnar-v1 batch/);
  });

  it('is named in the batch hash, so a batch relabelled JSON ↔ columnar does not verify', () => {
    const fields = {
      productId: 'vitals-raw',
      productVersion: 1,
      agreementId: 'a',
      agreementVersion: 1,
      cursorFrom: '',
      cursorTo: 'v1.1.1',
      rowCount: 1,
      columns: ['x'],
      rows: encodeColumnar([[1]], 1),
    };
    const columnar = batchHash({ ...fields, encoding: 'columnar-v1' });
    expect(batchHash({ ...fields, encoding: '' }).equals(columnar)).toBe(false);
    // JSON batches hash as before the encoding field existed ('' and 'json' alike).
    expect(batchHash({ ...fields, encoding: 'json' }).equals(batchHash({ ...fields, encoding: '' }))).toBe(
      true,
    );
  });
});
