import { GRAIN_MS, type Grain, type ProductDefinition } from '../../shared/api/products';
import { VITAL_SIGNS } from '../../shared/catalog/vital-signs';
import type { Db } from '../store/database';

/**
 * Reading a product's rows from the store, a page at a time by keyset, so memory stays bounded
 * whatever the size and a reader can stop and resume at a position. Pages are separate queries
 * (never an open iterator): ingest keeps writing on the same connection between them.
 *
 * Every read is bounded by a snapshot (`upTo`, the highest observation id when the release was
 * planned): rows arriving later belong to the next release, so a resumed read sees the same rows.
 */

/** What selects a product's source rows: codes, numeric values, a time range, a snapshot. */
export interface SourceQuery {
  readonly codes: readonly string[];
  readonly grain: Grain;
  /** Observation time, epoch ms, inclusive. */
  readonly from: number;
  /** Observation time, epoch ms, exclusive. */
  readonly to: number;
  /** Highest observation id included. */
  readonly upTo: number;
}

/** One product row before de-identification. Raw rows have count 1 and min = max = value. */
export interface ProductRow {
  readonly patientId: number;
  readonly code: string;
  /** Observation time, or the start of the aggregate's interval. */
  readonly time: number;
  /** The value, or the mean of the interval. */
  readonly value: number;
  readonly min: number;
  readonly max: number;
  readonly count: number;
  readonly unit: string | null;
  /** Raw rows only: devices.id. */
  readonly deviceId: number | null;
  /** A stable number per row (observation id, or derived from the interval), seeding noise. */
  readonly rowKey: number;
}

/**
 * Where a reader stands: raw rows by observation id; aggregates by (patient, code, time) — every
 * row before that point in index order has been emitted.
 */
export type Position =
  | { readonly kind: 'raw'; readonly afterId: number }
  | { readonly kind: 'agg'; readonly patientId: number; readonly code: string; readonly time: number };

export const startPosition = (grain: Grain): Position =>
  grain === 'raw' ? { kind: 'raw', afterId: 0 } : { kind: 'agg', patientId: 0, code: '', time: 0 };

export const MIN_TIME = -8.64e15;
export const MAX_TIME = 8.64e15;

/** The catalog ids a definition covers ('*' is every catalog code). */
export function productCodes(definition: Pick<ProductDefinition, 'codes'>): string[] {
  return definition.codes === '*' ? VITAL_SIGNS.map((v) => v.id) : [...definition.codes];
}

const placeholders = (n: number): string => Array.from({ length: n }, () => '?').join(', ');

/**
 * Raw rows in id order: the primary key is a contiguous scan, new rows always come after the
 * cursor, and the id is the cursor. The time bounds are written `+observed_at` so the planner
 * never trades the keyset order for the time index (0530) and a sort of the whole range.
 */
export const rawPageSql = (
  codes: number,
): string => `SELECT id, patient_id, code, observed_at, value_num, unit,
  device_id FROM observations WHERE id > ? AND id <= ? AND code IN (${placeholders(codes)})
  AND +observed_at >= ? AND +observed_at < ? AND value_num IS NOT NULL ORDER BY id LIMIT ?`;

/**
 * Aggregate input in (patient, code, time) order: served entirely by the covering index
 * observations_patient_code_time (0510), so one patient's series is read contiguously and each
 * interval is complete when the next one starts.
 */
export const aggPageSql = (codes: number): string => `SELECT patient_id, code, observed_at, value_num, unit
  FROM observations WHERE (patient_id, code, observed_at) >= (?, ?, ?) AND id <= ?
  AND code IN (${placeholders(codes)}) AND +observed_at >= ? AND +observed_at < ? AND value_num IS NOT NULL
  ORDER BY patient_id, code, observed_at LIMIT ?`;

export interface SourcePage {
  readonly rows: ProductRow[];
  /** Source observations consumed by this page (for progress). */
  readonly consumed: number;
  /** Where the next page starts; undefined when the source is exhausted. */
  readonly next: Position | undefined;
}

/** Reads pages of product rows from a position; one call per page. */
export class SourceReader {
  private readonly raw;
  private readonly agg;

  constructor(
    db: Db,
    private readonly q: SourceQuery,
    private readonly pageSize = 5000,
  ) {
    this.raw = db.prepare(rawPageSql(q.codes.length)).raw();
    this.agg = db.prepare(aggPageSql(q.codes.length)).raw();
  }

  page(at: Position): SourcePage {
    return at.kind === 'raw' ? this.rawPage(at.afterId) : this.aggPage(at, this.pageSize);
  }

  private rawPage(afterId: number): SourcePage {
    const { q } = this;
    const found = this.raw.all(afterId, q.upTo, ...q.codes, q.from, q.to, this.pageSize) as [
      number,
      number,
      string,
      number,
      number,
      string | null,
      number | null,
    ][];
    const rows: ProductRow[] = new Array<ProductRow>(found.length);
    for (let i = 0; i < found.length; i++) {
      // Indexes, not a destructuring pattern: this loop runs once per exported row.
      const f = found[i]!;
      const value = f[4];
      rows[i] = {
        patientId: f[1],
        code: f[2],
        time: f[3],
        value,
        min: value,
        max: value,
        count: 1,
        unit: f[5],
        deviceId: f[6],
        rowKey: f[0],
      };
    }
    const last = found.at(-1);
    return {
      rows,
      consumed: found.length,
      next: found.length < this.pageSize || !last ? undefined : { kind: 'raw', afterId: last[0] },
    };
  }

  private aggPage(at: Extract<Position, { kind: 'agg' }>, limit: number): SourcePage {
    const { q } = this;
    const grainMs = GRAIN_MS[q.grain as Exclude<Grain, 'raw'>];
    const found = this.agg.all(at.patientId, at.code, at.time, q.upTo, ...q.codes, q.from, q.to, limit) as [
      number,
      string,
      number,
      number,
      string | null,
    ][];
    const full = found.length === limit;
    const rows: ProductRow[] = [];
    let consumed = 0;
    let open:
      | {
          patientId: number;
          code: string;
          bucket: number;
          sum: number;
          min: number;
          max: number;
          count: number;
          unit: string | null;
          start: number;
        }
      | undefined;
    const close = () => {
      if (!open) return;
      rows.push({
        patientId: open.patientId,
        code: open.code,
        time: open.bucket,
        value: open.sum / open.count,
        min: open.min,
        max: open.max,
        count: open.count,
        unit: open.unit,
        deviceId: null,
        rowKey: open.patientId * 1_000_003 + Math.floor(open.bucket / grainMs) + hashCode(open.code),
      });
      consumed += open.count;
    };
    for (const [patientId, code, time, value, unit] of found) {
      const bucket = Math.floor(time / grainMs) * grainMs;
      if (!open || open.patientId !== patientId || open.code !== code || open.bucket !== bucket) {
        close();
        open = { patientId, code, bucket, sum: 0, min: value, max: value, count: 0, unit, start: time };
      }
      open.sum += value;
      if (value < open.min) open.min = value;
      if (value > open.max) open.max = value;
      open.count++;
    }
    if (!full) {
      close();
      return { rows, consumed, next: undefined };
    }
    // The page ended inside an interval (or exactly at its end — we can't tell): leave that one
    // for the next page, which starts at its beginning, so an interval is never split.
    if (rows.length === 0) {
      // A single interval longer than the page: read it with a larger page.
      return this.aggPage(at, limit * 2);
    }
    const last = open!;
    return {
      rows,
      consumed,
      next: { kind: 'agg', patientId: last.patientId, code: last.code, time: last.bucket },
    };
  }
}

function hashCode(text: string): number {
  let h = 0;
  for (let i = 0; i < text.length; i++) h = (Math.imul(h, 31) + text.charCodeAt(i)) | 0;
  return h;
}

/** Position ↔ text, for cursors that travel (API, mesh). */
export function encodePosition(p: Position): string {
  return p.kind === 'raw' ? `r.${p.afterId}` : `a.${p.patientId}.${p.time}.${encodeURIComponent(p.code)}`;
}

export function decodePosition(text: string): Position | undefined {
  const raw = /^r\.(\d+)$/.exec(text);
  if (raw) return { kind: 'raw', afterId: Number(raw[1]) };
  const agg = /^a\.(\d+)\.(-?\d+)\.(.*)$/.exec(text);
  if (agg)
    return {
      kind: 'agg',
      patientId: Number(agg[1]),
      time: Number(agg[2]),
      code: decodeURIComponent(agg[3]!),
    };
  return undefined;
}
