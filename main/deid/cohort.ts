import { GRAIN_MS, type Grain } from '../../shared/api/products';
import type { SourceQuery } from '../products/source';
import type { Db } from '../store/database';
import { ageAt, normaliseSex, zip3 } from './transforms';

/**
 * The patients of a release, found before any row is produced: the k-anonymity gate has to
 * decide on whole equivalence classes, so it needs every patient's quasi-identifiers first.
 * Memory grows with patients (and codes per patient), never with rows.
 *
 * The pass reads every observation of the release (as index entries), which on a large store
 * takes seconds; it goes in chunks of about COHORT_CHUNK_ROWS so a caller can give the event
 * loop back between them (loadCohortAsync) and live vitals and ingest keep flowing.
 */

/** One patient's share of a release, with the raw attributes the quasi-identifiers come from. */
export interface CohortPatient {
  readonly id: number;
  /** First observation in the release (true time): the age is taken at it. */
  readonly firstAt: number;
  /** Product rows (observations at raw grain, intervals when aggregated). */
  readonly rows: number;
  /** Source observations of the product's codes without a numeric value, by code. */
  readonly missing: ReadonlyMap<string, number>;
  readonly age: number | undefined;
  readonly sex: string;
  readonly zip3: string;
  readonly unitType: string;
}

/** Index entries per chunk of the pass: ~10–50 ms of work on this hardware. */
export const COHORT_CHUNK_ROWS = 50_000;
const DAY_MS = 86_400_000;

/** A point in the covering index's order (patient, code, time). */
type IndexKey = readonly [patientId: number, code: string, time: number];

/**
 * Per (patient, code) within one chunk [from, to) of the index: rows with a value, rows without,
 * first time, and (aggregates) intervals. The grain's milliseconds are a constant of an enum,
 * written into the SQL so the division is integer division on an integer column. Chunks end on
 * a UTC day boundary of their last series, and every grain divides a day, so no interval is
 * counted in two chunks: the per-chunk counts add up to the whole.
 */
export const cohortSql = (codes: number, grain: Grain, bounded = false): string => `SELECT patient_id, code,
  min(CASE WHEN value_num IS NOT NULL THEN observed_at END) AS first,
  ${grain === 'raw' ? 'sum(value_num IS NOT NULL)' : `count(DISTINCT CASE WHEN value_num IS NOT NULL THEN observed_at / ${GRAIN_MS[grain]} END)`} AS n,
  sum(value_num IS NULL) AS missing
  FROM observations WHERE (patient_id, code, observed_at) >= (?, ?, ?)
  ${bounded ? 'AND (patient_id, code, observed_at) < (?, ?, ?)' : ''}
  AND id <= ? AND code IN (${Array.from({ length: codes }, () => '?').join(', ')})
  AND +observed_at >= ? AND +observed_at < ? GROUP BY patient_id, code`;

/** The index entry `OFFSET` entries on from a key: where a chunk of that many ends (index only). */
export const CHUNK_END_SQL = `SELECT patient_id, code, observed_at FROM observations
  WHERE (patient_id, code, observed_at) >= (?, ?, ?) ORDER BY patient_id, code, observed_at LIMIT 1 OFFSET ?`;

export const PATIENT_ATTRIBUTES_SQL = `SELECT p.birth_date, p.sex, p.unit, z.zip, u.unit_type
  FROM patients p LEFT JOIN patient_zip z ON z.patient_id = p.id LEFT JOIN unit_types u ON u.unit = p.unit
  WHERE p.id = ?`;

/**
 * The type of a unit: IT's setting (unit_types, products.setUnitType), or when IT has set none a
 * guess from common words in its label, always one of UNIT_TYPES (or `unknown` without a unit).
 * The label itself is a location smaller than a state (Safe Harbor (B)) and never leaves.
 */
export function unitTypeOf(unit: string | null, configured: string | null): string {
  if (configured) return configured;
  if (!unit || unit.trim() === '') return 'unknown';
  const u = unit.toLowerCase();
  if (/\bnicu\b|neonat/.test(u)) return 'nicu';
  if (/\bpicu\b|pa?ediatric intensive/.test(u)) return 'picu';
  if (/\b(icu|itu|ccu|micu|sicu|cvicu)\b|intensive|critical care/.test(u)) return 'icu';
  if (/\b(ed|er)\b|emergency|a&e/.test(u)) return 'ed';
  if (/\b(or|pacu)\b|theatre|operating|recovery/.test(u)) return 'perioperative';
  if (/step.?down|\bhdu\b|high dependency|intermediate care/.test(u)) return 'stepdown';
  if (/ward|\bmed|surg|floor/.test(u)) return 'ward';
  return 'other';
}

interface Tally {
  firstAt: number;
  rows: number;
  missing: Map<string, number>;
}

/**
 * The pass as steps: it yields after each chunk, and returns the cohort. Driven to the end at
 * once by loadCohort, with the event loop in between by loadCohortAsync.
 */
export function* cohortSteps(
  db: Db,
  q: SourceQuery,
  chunkRows = COHORT_CHUNK_ROWS,
): Generator<void, CohortPatient[], undefined> {
  const chunk = db.prepare(cohortSql(q.codes.length, q.grain, true)).raw();
  const last = db.prepare(cohortSql(q.codes.length, q.grain, false)).raw();
  const chunkEnd = db.prepare(CHUNK_END_SQL).raw();
  const byPatient = new Map<number, Tally>();
  let from: IndexKey = [Number.MIN_SAFE_INTEGER, '', Number.MIN_SAFE_INTEGER];
  for (;;) {
    const end = chunkEnd.get(...from, chunkRows) as [number, string, number] | undefined;
    const to = end ? dayBoundary(from, end) : undefined;
    const groups = (
      to
        ? chunk.all(...from, ...to, q.upTo, ...q.codes, q.from, q.to)
        : last.all(...from, q.upTo, ...q.codes, q.from, q.to)
    ) as [number, string, number | null, number, number][];
    for (const [patientId, code, first, n, missing] of groups) {
      let p = byPatient.get(patientId);
      if (!p)
        byPatient.set(patientId, (p = { firstAt: Number.POSITIVE_INFINITY, rows: 0, missing: new Map() }));
      if (first !== null && first < p.firstAt) p.firstAt = first;
      p.rows += n;
      if (missing > 0) p.missing.set(code, (p.missing.get(code) ?? 0) + missing);
    }
    if (!to) break;
    from = to;
    yield;
  }
  return withAttributes(db, q, byPatient);
}

/**
 * Where a chunk that reached `end` stops: the start of `end`'s UTC day in its series, so one
 * interval never lies in two chunks; the next day when that would not move past `from` (one
 * series with more than a chunk of entries in a day: the chunk is that day, larger but bounded).
 */
function dayBoundary(from: IndexKey, end: readonly [number, string, number]): IndexKey {
  const [patientId, code, time] = end;
  const day = Math.floor(time / DAY_MS) * DAY_MS;
  const sameSeries = patientId === from[0] && code === from[1];
  return [patientId, code, sameSeries && day <= from[2] ? day + DAY_MS : day];
}

function withAttributes(db: Db, q: SourceQuery, byPatient: ReadonlyMap<number, Tally>): CohortPatient[] {
  const attributes = db.prepare(PATIENT_ATTRIBUTES_SQL);
  const out: CohortPatient[] = [];
  for (const [id, p] of [...byPatient].sort(([a], [b]) => a - b)) {
    const a = attributes.get(id) as
      | {
          birth_date: string | null;
          sex: string | null;
          unit: string | null;
          zip: string | null;
          unit_type: string | null;
        }
      | undefined;
    const firstAt = Number.isFinite(p.firstAt) ? p.firstAt : q.from;
    out.push({
      id,
      firstAt,
      rows: p.rows,
      missing: p.missing,
      age: ageAt(normaliseBirthDate(a?.birth_date), firstAt),
      sex: normaliseSex(a?.sex),
      zip3: zip3(a?.zip),
      unitType: unitTypeOf(a?.unit ?? null, a?.unit_type ?? null),
    });
  }
  return out;
}

/** The whole pass in one go (the mesh sender plans synchronously, between two batches). */
export function loadCohort(db: Db, q: SourceQuery, chunkRows = COHORT_CHUNK_ROWS): CohortPatient[] {
  const steps = cohortSteps(db, q, chunkRows);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
  }
}

/** The pass with the event loop free between chunks (a macrotask each: timers and I/O run). */
export async function loadCohortAsync(
  db: Db,
  q: SourceQuery,
  chunkRows = COHORT_CHUNK_ROWS,
): Promise<CohortPatient[]> {
  const steps = cohortSteps(db, q, chunkRows);
  for (;;) {
    const r = steps.next();
    if (r.done) return r.value;
    await new Promise<void>((resolve) => setImmediate(resolve));
  }
}

/** HL7 ingest stores YYYYMMDD, FHIR YYYY-MM-DD: both become the dashed form ageAt reads. */
function normaliseBirthDate(birth: string | null | undefined): string | undefined {
  if (!birth) return undefined;
  const m = /^(\d{4})(?:-?(\d{2}))?(?:-?(\d{2}))?/.exec(birth.trim());
  if (!m) return undefined;
  return [m[1], m[2], m[3]].filter((x) => x !== undefined).join('-');
}
