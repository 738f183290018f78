import { GRAIN_MS, type Grain } from '../../shared/api/products';
import type { SourceQuery } from '../products/source';
import type { Db } from '../store/database';
import { ageAt, normaliseSex, zip3 } from './transforms';

/**
 * The patients of a release, found before any row is produced: the k-anonymity gate has to
 * decide on whole equivalence classes, so it needs every patient's quasi-identifiers first.
 * Memory grows with patients (and codes per patient), never with rows.
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

/**
 * Per (patient, code): rows with a value, rows without, first time, and (aggregates) intervals.
 * The grain's milliseconds are a constant of an enum, written into the SQL so the division is
 * integer division on an integer column.
 */
export const cohortSql = (codes: number, grain: Grain): string => `SELECT patient_id, code,
  min(CASE WHEN value_num IS NOT NULL THEN observed_at END) AS first,
  ${grain === 'raw' ? 'sum(value_num IS NOT NULL)' : `count(DISTINCT CASE WHEN value_num IS NOT NULL THEN observed_at / ${GRAIN_MS[grain]} END)`} AS n,
  sum(value_num IS NULL) AS missing
  FROM observations WHERE id <= ? AND code IN (${Array.from({ length: codes }, () => '?').join(', ')})
  AND +observed_at >= ? AND +observed_at < ? GROUP BY patient_id, code`;

export const PATIENT_ATTRIBUTES_SQL = `SELECT p.birth_date, p.sex, p.unit, z.zip, u.unit_type
  FROM patients p LEFT JOIN patient_zip z ON z.patient_id = p.id LEFT JOIN unit_types u ON u.unit = p.unit
  WHERE p.id = ?`;

/**
 * The type of a unit when IT has not set one (unit_types): read from common words in its label.
 * The label itself is a location smaller than a state (Safe Harbor (B)) and never leaves.
 */
export function unitTypeOf(unit: string | null, configured: string | null): string {
  if (configured) return configured;
  if (!unit || unit.trim() === '') return 'unknown';
  const u = unit.toLowerCase();
  if (/\bnicu\b|neonat/.test(u)) return 'nicu';
  if (/\b(icu|itu|ccu|micu|sicu|cvicu)\b|intensive|critical care/.test(u)) return 'icu';
  if (/\b(ed|er)\b|emergency|a&e/.test(u)) return 'ed';
  if (/\b(or|pacu)\b|theatre|operating|recovery/.test(u)) return 'perioperative';
  if (/ward|\bmed|surg|floor|step.?down/.test(u)) return 'ward';
  return 'other';
}

export function loadCohort(db: Db, q: SourceQuery): CohortPatient[] {
  const groups = db
    .prepare(cohortSql(q.codes.length, q.grain))
    .raw()
    .all(q.upTo, ...q.codes, q.from, q.to) as [number, string, number | null, number, number][];
  const byPatient = new Map<number, { firstAt: number; rows: number; missing: Map<string, number> }>();
  for (const [patientId, code, first, n, missing] of groups) {
    let p = byPatient.get(patientId);
    if (!p)
      byPatient.set(patientId, (p = { firstAt: Number.POSITIVE_INFINITY, rows: 0, missing: new Map() }));
    if (first !== null && first < p.firstAt) p.firstAt = first;
    p.rows += n;
    if (missing > 0) p.missing.set(code, missing);
  }
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

/** HL7 ingest stores YYYYMMDD, FHIR YYYY-MM-DD: both become the dashed form ageAt reads. */
function normaliseBirthDate(birth: string | null | undefined): string | undefined {
  if (!birth) return undefined;
  const m = /^(\d{4})(?:-?(\d{2}))?(?:-?(\d{2}))?/.exec(birth.trim());
  if (!m) return undefined;
  return [m[1], m[2], m[3]].filter((x) => x !== undefined).join('-');
}
