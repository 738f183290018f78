import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { TrendSeries } from '../../shared/api/vitals';
import type { Db } from '../store/database';

/**
 * One code's values over a range, grouped into time buckets in SQL so a 24 h trend of a 1 Hz
 * parameter (86,400 rows) crosses the API as at most `buckets` points. Served by the index
 * observations_patient_code_time (a range scan of one patient and code).
 */
export const TREND_SQL = `SELECT (observed_at - @from) / @bucketMs AS b, CAST(avg(observed_at) AS INTEGER) AS t,
  avg(value_num) AS mean, min(value_num) AS lo, max(value_num) AS hi, max(unit) AS unit
  FROM observations
  WHERE patient_id = @patientId AND code = @code AND observed_at >= @from AND observed_at < @to
    AND value_num IS NOT NULL
  GROUP BY b ORDER BY b`;

/** A row of TREND_SQL as an array: b, t, mean, lo, hi, unit. */
type TrendRow = [number, number, number, number, number, string | null];

export class TrendQuery {
  private readonly stmt: Statement;
  constructor(db: Db) {
    // Rows as arrays: they are pulled apart into columns below, and an object per row costs
    // more than the query (bench/store.ts: ~0.2 ms of ~0.55 for 600 rows).
    this.stmt = db.prepare(TREND_SQL).raw();
  }

  /** Series for each code that has values in the range; `bucketMs` is at least 1 ms. */
  series(
    patientId: number,
    codes: readonly string[],
    from: number,
    to: number,
    buckets: number,
  ): { series: TrendSeries[]; bucketMs: number } {
    const bucketMs = Math.max(1, Math.ceil((to - from) / buckets));
    const series: TrendSeries[] = [];
    for (const code of codes) {
      const rows = this.stmt.all({ patientId, code, from, to, bucketMs }) as TrendRow[];
      if (rows.length === 0) continue;
      series.push({
        code,
        unit: rows.find((r) => r[5] !== null)?.[5] ?? null,
        t: rows.map((r) => r[1]),
        // Rounded to what a display shows; the mean of a bucket otherwise carries 15 digits.
        mean: rows.map((r) => Math.round(r[2] * 100) / 100),
        min: rows.map((r) => r[3]),
        max: rows.map((r) => r[4]),
      });
    }
    return { series, bucketMs };
  }
}
