import type { RunResult, Statement } from 'better-sqlite3-multiple-ciphers';

/**
 * The statements both ingest paths (HL7 v2 and FHIR) write the same tables with, once, so a column
 * added to observations or devices can't reach one path and not the other. Named so a test can
 * hold them to their index with EXPLAIN QUERY PLAN.
 */
export const FIND_PATIENT_BY_IDENTIFIER_SQL =
  'SELECT patient_id FROM patient_identifiers WHERE system = ? AND value = ?';
/**
 * Positional parameters, bound from arguments: binding a 16-key object per row (and building it)
 * was a measurable share of each group commit in bench/ingest.ts.
 */
export const INSERT_OBSERVATION_SQL = `INSERT INTO observations
  (patient_id, device_id, message_id, code, code_system, source_code, value_type, value_num, value_text, unit,
   sub_id, bp_group, abnormal_flags, status, observed_at, received_at)
  VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
export const UPSERT_DEVICE_SQL = `INSERT INTO devices (identifier, kind, created_at, last_seen_at) VALUES (?, ?, ?, ?)
  ON CONFLICT(identifier) DO UPDATE SET last_seen_at = excluded.last_seen_at, kind = coalesce(devices.kind, excluded.kind)
  RETURNING id`;

/**
 * An observation's value as both paths map it: HL7's MappedObservation and FHIR's
 * MappedFhirObservation extend it with what only they carry.
 */
export interface ObservationValue {
  readonly code: string;
  readonly codeSystem: string;
  /** The code as received, for review: OBX-3 (code^text^system), or FHIR's `system|code`. */
  readonly sourceCode: string;
  readonly valueType: string;
  readonly valueNum: number | undefined;
  readonly valueText: string | undefined;
  readonly unit: string | undefined;
  readonly abnormalFlags: string | undefined;
  readonly status: string | undefined;
  readonly observedAt: number;
}

/** Where the row came from: message_id names an HL7 message (a FHIR row is traced elsewhere). */
export interface ObservationSource {
  readonly patientId: number;
  readonly deviceId: number | null;
  readonly messageId: number | null;
  readonly receivedAt: number;
}

/**
 * Runs INSERT_OBSERVATION_SQL (prepared as `insert`), the one place that knows its parameters'
 * order. `subId` is OBX-4's; `bpGroup` ties the components of one measurement together.
 */
export function insertObservationRow(
  insert: Statement,
  o: ObservationValue,
  source: ObservationSource,
  subId: string | null,
  bpGroup: string | null,
): RunResult {
  return insert.run(
    source.patientId,
    source.deviceId,
    source.messageId,
    o.code,
    o.codeSystem,
    o.sourceCode,
    o.valueType,
    o.valueNum ?? null,
    o.valueText ?? null,
    o.unit ?? null,
    subId,
    bpGroup,
    o.abnormalFlags ?? null,
    o.status ?? null,
    o.observedAt,
    source.receivedAt,
  );
}
