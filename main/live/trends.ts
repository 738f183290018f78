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

interface TrendRow {
  t: number;
  mean: number;
  lo: number;
  hi: number;
  unit: string | null;
}

export class TrendQuery {
  private readonly stmt: Statement;
  constructor(db: Db) {
    this.stmt = db.prepare(TREND_SQL);
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
        unit: rows.find((r) => r.unit !== null)?.unit ?? null,
        t: rows.map((r) => r.t),
        // Rounded to what a display shows; the mean of a bucket otherwise carries 15 digits.
        mean: rows.map((r) => Math.round(r.mean * 100) / 100),
        min: rows.map((r) => r.lo),
        max: rows.map((r) => r.hi),
      });
    }
    return { series, bucketMs };
  }
}
