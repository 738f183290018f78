import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Grain } from '../../shared/api/products';
import { openScratchStore } from '../ingest/hl7/test-support';
import { MAX_TIME, MIN_TIME, type SourceQuery } from '../products/source';
import { loopTurns } from '../testing/loop-turns';
import { cohortSql, loadCohort, loadCohortAsync } from './cohort';
import { storePatient, storeSeries, syntheticWard } from './test-fixtures';

let store: ReturnType<typeof openScratchStore>;
const MIDNIGHT = Date.UTC(2026, 4, 2);

beforeAll(() => {
  store = openScratchStore();
  syntheticWard(6).forEach((seed, n) => {
    const id = storePatient(store.db, seed);
    // Dense series across a UTC midnight (a chunk of 7 entries ends inside one day many times,
    // and one day holds more than a chunk), with gaps in the values and two codes interleaved.
    storeSeries(store.db, id, 'hr', MIDNIGHT - 95_000 - n * 1000, 200, 1000, (i) =>
      i % 13 === 5 ? undefined : 70 + (i % 9),
    );
    storeSeries(store.db, id, 'spo2', MIDNIGHT - 3_600_000 * 30, 40, 3_000_000 + n, (i) => 95 + (i % 4));
  });
});
afterAll(() => store.close());

const query = (grain: Grain): SourceQuery => ({
  codes: ['hr', 'spo2'],
  grain,
  from: MIN_TIME,
  to: MAX_TIME,
  upTo: Number.MAX_SAFE_INTEGER,
});

/** The pass as one GROUP BY over everything: what the chunks must add up to. */
function wholeCounts(grain: Grain): Map<string, [number | null, number, number]> {
  const sql = cohortSql(2, grain).replace('(patient_id, code, observed_at) >= (?, ?, ?)', '1');
  const rows = store.db.prepare(sql).raw().all(Number.MAX_SAFE_INTEGER, 'hr', 'spo2', MIN_TIME, MAX_TIME) as [
    number,
    string,
    number | null,
    number,
    number,
  ][];
  return new Map(rows.map(([p, c, first, n, missing]) => [`${p}/${c}`, [first, n, missing]]));
}

describe('cohort pass in chunks', () => {
  it.each(['raw', '1min', '5min', '1h'] as const)(
    '%s: chunks of 7 entries count exactly what one pass over everything counts',
    (grain) => {
      const whole = wholeCounts(grain);
      const one = loadCohort(store.db, query(grain));
      const chunked = loadCohort(store.db, query(grain), 7);
      expect(chunked).toEqual(one);
      for (const p of chunked) {
        const hr = whole.get(`${p.id}/hr`)!;
        const spo2 = whole.get(`${p.id}/spo2`)!;
        expect(p.rows).toBe(hr[1] + spo2[1]);
        expect(p.firstAt).toBe(Math.min(hr[0]!, spo2[0]!));
        expect(p.missing.get('hr')).toBe(hr[2]);
      }
      // The aggregated grains really do have intervals that a naive split would count twice.
      if (grain !== 'raw') expect(chunked.reduce((n, p) => n + p.rows, 0)).toBeLessThan(6 * 240);
    },
  );

  it('gives the event loop back between chunks and yields the same cohort', async () => {
    const counting = loopTurns();
    const cohort = await loadCohortAsync(store.db, query('1min'), 50);
    const turns = counting.stop();
    expect(cohort).toEqual(loadCohort(store.db, query('1min')));
    // 6 patients × 240 entries in chunks of 50 that end on a series' day: 18 chunks, each
    // followed by a turn (a pass in one piece would let none through).
    expect(turns).toBeGreaterThanOrEqual(12);
  });
});
