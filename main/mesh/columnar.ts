import type { OutValue } from '../deid/pipeline';

/**
 * The compact batch encoding ("columnar-v1"), used when the puller asks for it. JSON costs the
 * sender ~1.5 µs a row to write and the puller as much again to read, and repeats every string
 * (age band, sex, ZIP3, unit type, code, unit, pseudonym) in every row. Here each column is stored
 * whole: numbers as float64 with a null bitmap, strings as a dictionary plus one index a row, and
 * anything else (a column mixing types) as a JSON array. Integers and epoch-ms timestamps are exact
 * in float64 (< 2^53).
 *
 * Layout (little-endian): "VMC1", u32 rows, u16 columns, then per column a kind byte and its body:
 *   0 numbers   ceil(rows/8) null-bitmap bytes, then rows × f64
 *   1 strings   u32 dictionary JSON length, dictionary JSON (string[]), u8 index width (2|4),
 *               rows × index (0 = null, k = dictionary[k-1])
 *   2 json      u32 length, a JSON array of the column's values
 * A JSON batch starts with "[", so a stored batch says which it is by its first bytes.
 */
export const COLUMNAR = 'columnar-v1';
const MAGIC = Buffer.from('VMC1', 'latin1');

export class ColumnarError extends Error {
  override name = 'ColumnarError';
}

export const isColumnar = (b: Buffer): boolean => b.length >= 4 && b.subarray(0, 4).equals(MAGIC);

/** Encodes row-major values of `width` columns, in one pass over the rows. */
export function encodeColumnar(rows: readonly (readonly OutValue[])[], width: number): Buffer {
  const n = rows.length;
  const bitmapBytes = Math.ceil(n / 8);
  const nulls = Array.from({ length: width }, () => new Uint8Array(bitmapBytes));
  const numbers = Array.from({ length: width }, () => new Float64Array(n));
  const codes = Array.from({ length: width }, () => new Uint32Array(n));
  const index = Array.from({ length: width }, () => new Map<string, number>());
  const dictionaries = Array.from({ length: width }, (): string[] => []);
  const sawNumber = new Uint8Array(width);
  const sawString = new Uint8Array(width);
  const sawOther = new Uint8Array(width);
  for (let r = 0; r < n; r++) {
    const row = rows[r]!;
    for (let c = 0; c < width; c++) {
      const v = row[c];
      if (v === null || v === undefined) {
        nulls[c]![r >> 3]! |= 1 << (r & 7); // string codes stay 0 = null
      } else if (typeof v === 'number') {
        sawNumber[c] = 1;
        numbers[c]![r] = v;
      } else if (typeof v === 'string') {
        sawString[c] = 1;
        const map = index[c]!;
        let k = map.get(v);
        if (k === undefined) {
          k = dictionaries[c]!.push(v);
          map.set(v, k);
        }
        codes[c]![r] = k;
      } else sawOther[c] = 1;
    }
  }
  const head = Buffer.alloc(10);
  MAGIC.copy(head, 0);
  head.writeUInt32LE(n, 4);
  head.writeUInt16LE(width, 8);
  const parts: Buffer[] = [head];
  for (let c = 0; c < width; c++) {
    if (sawOther[c] || (sawNumber[c] && sawString[c])) {
      const json = Buffer.from(JSON.stringify(rows.map((row) => row[c] ?? null)));
      const h = Buffer.alloc(5);
      h.writeUInt8(2, 0);
      h.writeUInt32LE(json.length, 1);
      parts.push(h, json);
    } else if (sawString[c]) {
      const dictionary = dictionaries[c]!;
      const dict = Buffer.from(JSON.stringify(dictionary));
      const wide = dictionary.length >= 0xffff;
      const h = Buffer.alloc(5);
      h.writeUInt8(1, 0);
      h.writeUInt32LE(dict.length, 1);
      const body = wide ? codes[c]! : Uint16Array.from(codes[c]!);
      parts.push(
        h,
        dict,
        Buffer.from([wide ? 4 : 2]),
        Buffer.from(body.buffer, body.byteOffset, body.byteLength),
      );
    } else {
      parts.push(Buffer.from([0]), Buffer.from(nulls[c]!.buffer), Buffer.from(numbers[c]!.buffer));
    }
  }
  return Buffer.concat(parts);
}

/** Decodes a columnar batch back to rows, checking every length and index against the buffer. */
export function decodeColumnar(b: Buffer, expectedWidth: number): OutValue[][] {
  return walk(b, expectedWidth, true);
}

/** Checks a columnar batch as decoding does, without building its rows; returns the row count. */
export function checkColumnar(b: Buffer, expectedWidth: number): number {
  return walk(b, expectedWidth, false).length;
}

function walk(b: Buffer, expectedWidth: number, materialise: boolean): OutValue[][] {
  if (!isColumnar(b)) throw new ColumnarError('not a columnar-v1 batch');
  let at = 4;
  const need = (bytes: number) => {
    if (at + bytes > b.length) throw new ColumnarError(`columnar batch cut short at byte ${at}`);
  };
  need(6);
  const n = b.readUInt32LE(at);
  const width = b.readUInt16LE(at + 4);
  at += 6;
  if (width !== expectedWidth)
    throw new ColumnarError(`columnar batch has ${width} columns, expected ${expectedWidth}`);
  // Unmaterialised, one shared scratch row takes the writes (the length is what is returned).
  const scratch = new Array<OutValue>(width);
  const rows: OutValue[][] = materialise
    ? Array.from({ length: n }, () => new Array<OutValue>(width))
    : new Array<OutValue[]>(n).fill(scratch);
  for (let c = 0; c < width; c++) {
    need(1);
    const kind = b.readUInt8(at++);
    if (kind === 0) {
      const bitmapBytes = Math.ceil(n / 8);
      need(bitmapBytes + 8 * n);
      const bitmap = b.subarray(at, at + bitmapBytes);
      const base = at + bitmapBytes;
      for (let r = 0; r < n; r++) {
        if (bitmap[r >> 3]! & (1 << (r & 7))) {
          if (materialise) rows[r]![c] = null;
          continue;
        }
        // What JSON could carry: no NaN, no infinities.
        const v = b.readDoubleLE(base + 8 * r);
        if (!Number.isFinite(v)) throw new ColumnarError(`a number that is not finite in column ${c}`);
        if (materialise) rows[r]![c] = v;
      }
      at += bitmapBytes + 8 * n;
    } else if (kind === 1) {
      need(4);
      const len = b.readUInt32LE(at);
      at += 4;
      need(len + 1);
      const dictionary = parseArray(b.subarray(at, at + len), 'dictionary');
      if (!dictionary.every((s) => typeof s === 'string'))
        throw new ColumnarError('a dictionary entry is not a string');
      at += len;
      const w = b.readUInt8(at++);
      if (w !== 2 && w !== 4) throw new ColumnarError(`index width ${w}`);
      need(w * n);
      for (let r = 0; r < n; r++) {
        const k = w === 2 ? b.readUInt16LE(at + 2 * r) : b.readUInt32LE(at + 4 * r);
        if (k > dictionary.length)
          throw new ColumnarError(`index ${k} outside a dictionary of ${dictionary.length}`);
        if (materialise) rows[r]![c] = k === 0 ? null : (dictionary[k - 1] as string);
      }
      at += w * n;
    } else if (kind === 2) {
      need(4);
      const len = b.readUInt32LE(at);
      at += 4;
      need(len);
      const values = parseArray(b.subarray(at, at + len), 'column');
      if (values.length !== n)
        throw new ColumnarError(`a JSON column of ${values.length} values for ${n} rows`);
      for (let r = 0; r < n; r++) {
        const v = values[r];
        if (v !== null && typeof v !== 'string' && typeof v !== 'number')
          throw new ColumnarError('a value is not a string, number or null');
        rows[r]![c] = v;
      }
      at += len;
    } else throw new ColumnarError(`unknown column kind ${kind}`);
  }
  if (at !== b.length) throw new ColumnarError(`${b.length - at} bytes after the last column`);
  return rows;
}

function parseArray(b: Buffer, what: string): unknown[] {
  let v: unknown;
  try {
    v = JSON.parse(b.toString('utf8'));
  } catch {
    throw new ColumnarError(`the ${what} is not JSON`);
  }
  if (!Array.isArray(v)) throw new ColumnarError(`the ${what} is not an array`);
  return v;
}
