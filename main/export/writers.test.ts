import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { Column } from '../deid/columns';
import { HashingSink } from './sink';
import { createWriter, isoFormatter } from './writers';

const dir = mkdtempSync(join(tmpdir(), 'vitalmesh-writers-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('CSV formatting shortcuts', () => {
  it('isoFormatter writes exactly what toISOString writes, across days, signs and extended years', () => {
    const format = isoFormatter();
    const samples = [0, -1, 1, 86_399_999, 86_400_000, -86_400_001, Date.UTC(2026, 1, 28, 23, 59, 59, 999)];
    samples.push(Date.UTC(-5, 0, 1, 12), Date.UTC(12_345, 6, 7, 8, 9, 10, 11), 8.64e15, -8.64e15);
    // Pseudo-random instants over ±300 years, revisiting days so the day cache is hit and missed.
    let x = 12345;
    for (let i = 0; i < 20_000; i++) {
      x = (Math.imul(x, 1103515245) + 12345) | 0;
      samples.push(Date.UTC(2026, 0, 1) + (x % 9_467_280) * 1_000_003);
    }
    for (const ms of samples) expect(format(ms)).toBe(new Date(ms).toISOString());
    expect(() => format(Number.NaN)).toThrow(RangeError);
  });

  it('quotes and defuses text cells the same on the first and the hundredth time a value is seen', async () => {
    const columns: Column[] = [
      { name: 'patient', field: 'patient', type: 'string', description: '' },
      { name: 'time', field: 'time', type: 'timestamp', description: '' },
      { name: 'value', field: 'value', type: 'double', description: '' },
      { name: 'unit', field: 'unit', type: 'string', description: '' },
    ];
    const sink = new HashingSink(join(dir, 'memo.csv'));
    const writer = createWriter('csv', sink, columns, {});
    const row = ['=cmd|x', Date.UTC(2026, 2, 1, 8), -3.5, 'a "b", c'];
    for (let i = 0; i < 100; i++) await writer.writeBatch([row, ['p', null, null, null]]);
    await writer.finish();
    await sink.close();
    const lines = readFileSync(join(dir, 'memo.csv'), 'utf8').split('\r\n');
    expect(lines[0]).toBe('patient,time,value,unit');
    for (let i = 0; i < 100; i++) {
      expect(lines[1 + 2 * i]).toBe(`'=cmd|x,2026-03-01T08:00:00.000Z,-3.5,"a ""b"", c"`);
      expect(lines[2 + 2 * i]).toBe('p,,,');
    }
    expect(lines.at(-1)).toBe('');
  });
});
