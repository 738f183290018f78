import type { ObservationView, PatientDetail, PatientSummary } from '../../shared/api/patients';
import type { VitalCatalog } from '../../shared/catalog/vital-signs';
import type { Db } from '../store/database';
import type { PatientRow } from './patient-row';

/**
 * Reads of identified patients and their observations, as the patient API shows them. Who may
 * read which patient is decided before these run (main/auth/patient-access.ts).
 */

/** Hot queries, named so a test holds them to their index with EXPLAIN QUERY PLAN. */
export const OBSERVATIONS_RANGE_SQL = `SELECT o.code, o.code_system, o.value_num, o.value_text, o.unit, o.observed_at,
  d.identifier AS device, o.status, o.abnormal_flags, o.bp_group
  FROM observations o LEFT JOIN devices d ON d.id = o.device_id
  WHERE o.patient_id = ? AND o.code = ? AND o.observed_at >= ? AND o.observed_at <= ?
  ORDER BY o.observed_at LIMIT ?`;
/**
 * The codes one patient has, one index seek per code (a "skip scan" by hand): DISTINCT would walk
 * every observation of the patient, which at one message a second is ~900k rows a day.
 */
export const PATIENT_CODES_SQL = `WITH RECURSIVE c(code) AS (
    SELECT (SELECT min(code) FROM observations WHERE patient_id = @patientId)
    UNION ALL
    SELECT (SELECT min(code) FROM observations WHERE patient_id = @patientId AND code > c.code) FROM c WHERE c.code IS NOT NULL
  ) SELECT code FROM c WHERE code IS NOT NULL`;
export const LATEST_OF_CODE_SQL = `SELECT o.code, o.code_system, o.value_num, o.value_text, o.unit, o.observed_at,
  d.identifier AS device, o.status, o.abnormal_flags, o.bp_group
  FROM observations o LEFT JOIN devices d ON d.id = o.device_id
  WHERE o.patient_id = ? AND o.code = ? ORDER BY o.observed_at DESC LIMIT 1`;
/** @units: a JSON array of units to stay within, or NULL for every unit (break-glass). */
const IN_UNITS = '(@units IS NULL OR p.unit IN (SELECT value FROM json_each(@units)))';
export const PATIENT_BY_IDENTIFIER_VALUE_SQL = `SELECT DISTINCT p.id FROM patient_identifiers i
  JOIN patients p ON p.id = i.patient_id WHERE i.value = @query AND ${IN_UNITS} LIMIT @limit`;
export const PATIENTS_BY_NAME_SQL = `SELECT p.id FROM patients p
  WHERE (p.family_name LIKE @query ESCAPE '\\' OR p.given_name LIKE @query ESCAPE '\\') AND ${IN_UNITS}
  ORDER BY p.family_name COLLATE NOCASE, p.given_name COLLATE NOCASE, p.id LIMIT @limit`;

interface SearchParams {
  query: string;
  limit: number;
  units: string | null;
}

interface ObservationRow {
  code: string;
  code_system: string;
  value_num: number | null;
  value_text: string | null;
  unit: string | null;
  observed_at: number;
  device: string | null;
  status: string | null;
  abnormal_flags: string | null;
  bp_group: string | null;
}

export class PatientReader {
  private readonly s;

  constructor(
    db: Db,
    private readonly catalog: VitalCatalog,
  ) {
    this.s = {
      patient: db.prepare<[number], PatientRow>(
        'SELECT id, family_name, given_name, birth_date, sex, unit, room, bed, demographics_conflict FROM patients WHERE id = ?',
      ),
      identifiers: db.prepare<[number], { system: string; value: string; type: string }>(
        'SELECT system, value, type FROM patient_identifiers WHERE patient_id = ? ORDER BY system, value',
      ),
      conflicts: db.prepare<
        [number],
        { field: string; stored: string | null; received: string | null; at: number }
      >(
        'SELECT field, stored, received, at FROM patient_conflicts WHERE patient_id = ? ORDER BY id DESC LIMIT 50',
      ),
      byIdentifier: db.prepare<[SearchParams], { id: number }>(PATIENT_BY_IDENTIFIER_VALUE_SQL),
      byName: db.prepare<[SearchParams], { id: number }>(PATIENTS_BY_NAME_SQL),
      codes: db.prepare<[{ patientId: number }], { code: string }>(PATIENT_CODES_SQL),
      latest: db.prepare<[number, string], ObservationRow>(LATEST_OF_CODE_SQL),
      range: db.prepare<[number, string, number, number, number], ObservationRow>(OBSERVATIONS_RANGE_SQL),
    };
  }

  /** The patient's id and unit, for the access check; undefined when there is no such patient. */
  locate(patientId: number): { id: number; unit: string | null } | undefined {
    const row = this.s.patient.get(patientId);
    return row && { id: row.id, unit: row.unit };
  }

  /**
   * Exact identifier value first (any assigning authority), then family or given name by prefix
   * (case-insensitive for ASCII). `units` keeps to patients located there; undefined = everywhere.
   */
  search(query: string, limit: number, units: readonly string[] | undefined): PatientSummary[] {
    const ids = new Set<number>();
    const within = units === undefined ? null : JSON.stringify(units);
    for (const r of this.s.byIdentifier.all({ query, limit, units: within })) ids.add(r.id);
    const prefix = `${query.replace(/[\\%_]/g, (c) => `\\${c}`)}%`;
    for (const r of this.s.byName.all({ query: prefix, limit, units: within }))
      if (ids.size < limit) ids.add(r.id);
    return [...ids].flatMap((id) => {
      const summary = this.summary(id);
      return summary ? [summary] : [];
    });
  }

  summary(patientId: number): PatientSummary | undefined {
    const row = this.s.patient.get(patientId);
    if (!row) return undefined;
    return {
      id: row.id,
      family: row.family_name,
      given: row.given_name,
      birthDate: row.birth_date,
      sex: row.sex,
      unit: row.unit,
      room: row.room,
      bed: row.bed,
      identifiers: this.s.identifiers.all(patientId),
      demographicsConflict: row.demographics_conflict === 1,
    };
  }

  detail(patientId: number): PatientDetail | undefined {
    const summary = this.summary(patientId);
    if (!summary) return undefined;
    const latest = this.codes(patientId).flatMap((code) => {
      const row = this.s.latest.get(patientId, code);
      return row ? [this.view(row)] : [];
    });
    return {
      ...summary,
      conflicts: this.s.conflicts.all(patientId).map((c) => ({ ...c, at: new Date(c.at).toISOString() })),
      latest,
    };
  }

  /**
   * Observations in [from, to], oldest first, at most `limit`; `code` is a catalog id, an MDC or
   * LOINC code (mapped through the catalog), or a code as received. Without a code, every code's
   * range is read through the index and merged.
   */
  history(
    patientId: number,
    q: { code?: string | undefined; from: number; to: number; limit: number },
  ): { observations: ObservationView[]; truncated: boolean } {
    const codes = q.code === undefined ? this.codes(patientId) : this.storedCodes(q.code);
    let rows: ObservationRow[] = [];
    for (const code of codes) rows.push(...this.s.range.all(patientId, code, q.from, q.to, q.limit + 1));
    if (codes.length > 1) rows.sort((a, b) => a.observed_at - b.observed_at);
    const truncated = rows.length > q.limit;
    rows = rows.slice(0, q.limit);
    return { observations: rows.map((r) => this.view(r)), truncated };
  }

  private codes(patientId: number): string[] {
    return this.s.codes.all({ patientId }).map((r) => r.code);
  }

  /** What `code` is stored as: the catalog id when the catalog knows it, else also as given. */
  private storedCodes(code: string): string[] {
    const known = this.catalog.byId(code) ?? this.catalog.lookup(code)?.vital;
    return known && known.id !== code ? [known.id, code] : [code];
  }

  private view(r: ObservationRow): ObservationView {
    const vital = r.code_system === 'vitalmesh' ? this.catalog.byId(r.code) : undefined;
    return {
      code: r.code,
      codeSystem: r.code_system,
      display: vital?.display ?? null,
      loinc: vital?.loinc[0] ?? null,
      valueNum: r.value_num,
      valueText: r.value_text,
      unit: r.unit,
      observedAt: new Date(r.observed_at).toISOString(),
      device: r.device,
      status: r.status,
      abnormalFlags: r.abnormal_flags,
      bpGroup: r.bp_group,
    };
  }
}
