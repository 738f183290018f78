import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { Db } from '../../store/database';
import {
  FIND_PATIENT_BY_IDENTIFIER_SQL,
  INSERT_OBSERVATION_SQL,
  insertObservationRow,
  UPSERT_DEVICE_SQL,
} from '../store-sql';
import type { MappedFhirObservation, MappedFhirPatient } from './mapping';

/** Hot queries, named so the query-plan test can hold them to their index. */
export const FIND_RESOURCE_SQL = `SELECT id, version_id AS versionId, patient_id AS patientId, device_id AS deviceId,
  retracted_at AS retractedAt FROM fhir_resources WHERE source_id = ? AND resource_type = ? AND resource_id = ?`;
export const RESOURCE_OBSERVATIONS_SQL =
  'SELECT observation_id AS id FROM fhir_observation_rows WHERE resource_row = ?';

export interface ResourceRow {
  readonly id: number;
  readonly versionId: string | null;
  readonly patientId: number | null;
  readonly deviceId: number | null;
  readonly retractedAt: number | null;
}

export interface ResourceKey {
  readonly sourceId: number;
  readonly type: string;
  readonly id: string;
}

/**
 * The FHIR import's writes on the shared domain tables (patients, devices, observations) and its
 * own (fhir_*). Call inside a transaction: the sync commits one page at a time.
 */
export class FhirRepository {
  private readonly s: Record<
    | 'findResource'
    | 'upsertResource'
    | 'retract'
    | 'resourceObs'
    | 'deleteObs'
    | 'deleteObsLinks'
    | 'insertObs'
    | 'linkObs'
    | 'findPatient'
    | 'insertPatient'
    | 'insertIdentifier'
    | 'getPatient'
    | 'setDemographics'
    | 'fillDemographics'
    | 'flagConflict'
    | 'setZip'
    | 'fillZip'
    | 'insertConflict'
    | 'setLocation'
    | 'upsertDevice'
    | 'upsertLocation'
    | 'getLocation'
    | 'getCursor'
    | 'setCursor'
    | 'quarantined'
    | 'quarantine',
    Statement
  >;

  constructor(readonly db: Db) {
    this.s = {
      findResource: db.prepare(FIND_RESOURCE_SQL),
      upsertResource: db.prepare(`INSERT INTO fhir_resources
        (source_id, resource_type, resource_id, version_id, last_updated, status, patient_id, device_id, retracted_at, stored_at)
        VALUES (@sourceId, @type, @id, @versionId, @lastUpdated, @status, @patientId, @deviceId, NULL, @now)
        ON CONFLICT (source_id, resource_type, resource_id) DO UPDATE SET version_id = excluded.version_id,
          last_updated = excluded.last_updated, status = excluded.status,
          patient_id = coalesce(excluded.patient_id, patient_id), device_id = coalesce(excluded.device_id, device_id),
          retracted_at = NULL, stored_at = excluded.stored_at
        RETURNING id`),
      retract: db.prepare(`UPDATE fhir_resources SET retracted_at = @now, status = @status,
        version_id = coalesce(@versionId, version_id), last_updated = coalesce(@lastUpdated, last_updated) WHERE id = @row`),
      resourceObs: db.prepare(RESOURCE_OBSERVATIONS_SQL),
      deleteObs: db.prepare('DELETE FROM observations WHERE id = ?'),
      deleteObsLinks: db.prepare('DELETE FROM fhir_observation_rows WHERE resource_row = ?'),
      insertObs: db.prepare(INSERT_OBSERVATION_SQL),
      linkObs: db.prepare('INSERT INTO fhir_observation_rows (resource_row, observation_id) VALUES (?, ?)'),
      findPatient: db.prepare(FIND_PATIENT_BY_IDENTIFIER_SQL),
      insertPatient:
        db.prepare(`INSERT INTO patients (family_name, given_name, birth_date, sex, created_at, updated_at)
        VALUES (?, ?, ?, ?, ?, ?)`),
      insertIdentifier: db.prepare(
        'INSERT OR IGNORE INTO patient_identifiers (patient_id, system, value, type) VALUES (?, ?, ?, ?)',
      ),
      getPatient: db.prepare('SELECT family_name, given_name, birth_date, sex FROM patients WHERE id = ?'),
      setDemographics: db.prepare(
        'UPDATE patients SET family_name = ?, given_name = ?, birth_date = ?, sex = ?, updated_at = ? WHERE id = ?',
      ),
      fillDemographics: db.prepare(`UPDATE patients SET family_name = coalesce(family_name, ?),
        given_name = coalesce(given_name, ?), birth_date = coalesce(birth_date, ?), sex = coalesce(sex, ?),
        updated_at = ? WHERE id = ?`),
      flagConflict: db.prepare('UPDATE patients SET demographics_conflict = 1, updated_at = ? WHERE id = ?'),
      setZip: db.prepare(
        'INSERT INTO patient_zip (patient_id, zip) VALUES (?, ?) ON CONFLICT (patient_id) DO UPDATE SET zip = excluded.zip',
      ),
      fillZip: db.prepare('INSERT OR IGNORE INTO patient_zip (patient_id, zip) VALUES (?, ?)'),
      // message_id 0: the disagreement came from a FHIR resource, not an HL7 message.
      insertConflict:
        db.prepare(`INSERT INTO patient_conflicts (patient_id, message_id, field, stored, received, at)
        VALUES (?, 0, ?, ?, ?, ?)`),
      setLocation: db.prepare('UPDATE patients SET unit = ?, room = ?, bed = ?, updated_at = ? WHERE id = ?'),
      upsertDevice: db.prepare(UPSERT_DEVICE_SQL),
      upsertLocation:
        db.prepare(`INSERT INTO fhir_locations (source_id, resource_id, name, physical_type, part_of)
        VALUES (?, ?, ?, ?, ?) ON CONFLICT (source_id, resource_id) DO UPDATE SET name = excluded.name,
        physical_type = excluded.physical_type, part_of = excluded.part_of`),
      getLocation: db.prepare(
        'SELECT name, physical_type AS kind, part_of AS partOf FROM fhir_locations WHERE source_id = ? AND resource_id = ?',
      ),
      getCursor: db.prepare('SELECT last_updated AS at FROM fhir_cursors WHERE source_id = ? AND stream = ?'),
      setCursor: db.prepare(`INSERT INTO fhir_cursors (source_id, stream, last_updated) VALUES (?, ?, ?)
        ON CONFLICT (source_id, stream) DO UPDATE SET last_updated = excluded.last_updated`),
      quarantined: db.prepare(
        `SELECT 1 FROM fhir_quarantine WHERE source_id = ? AND resource_type = ? AND resource_id = ?
         AND version_id IS ?`,
      ),
      quarantine:
        db.prepare(`INSERT INTO fhir_quarantine (source_id, resource_type, resource_id, version_id, reason, raw, at)
        VALUES (?, ?, ?, ?, ?, ?, ?)`),
    };
  }

  find(key: ResourceKey): ResourceRow | undefined {
    return this.s.findResource.get(key.sourceId, key.type, key.id) as ResourceRow | undefined;
  }

  /** Records this version of a resource; returns its row id. */
  upsert(
    key: ResourceKey,
    v: {
      versionId: string | null;
      lastUpdated: string | null;
      status: string | null;
      patientId: number | null;
      deviceId: number | null;
    },
    now: number,
  ): number {
    return (
      this.s.upsertResource.get({ sourceId: key.sourceId, type: key.type, id: key.id, ...v, now }) as {
        id: number;
      }
    ).id;
  }

  /** Removes the observation rows an earlier version of this resource produced; returns how many. */
  dropObservations(row: number): number {
    const ids = this.s.resourceObs.all(row) as { id: number }[];
    for (const { id } of ids) this.s.deleteObs.run(id);
    this.s.deleteObsLinks.run(row);
    return ids.length;
  }

  /** entered-in-error or deleted: the observations go, the resource row stays with when and why. */
  retract(
    row: number,
    status: string,
    versionId: string | null,
    lastUpdated: string | null,
    now: number,
  ): number {
    const removed = this.dropObservations(row);
    this.s.retract.run({ row, status, versionId, lastUpdated, now });
    return removed;
  }

  insertObservations(
    row: number,
    rows: readonly MappedFhirObservation[],
    ids: { patientId: number; deviceId: number | null },
    now: number,
  ): void {
    // message_id stays NULL: it names an HL7 message; a FHIR row is traced by fhir_observation_rows.
    const source = { ...ids, messageId: null, receivedAt: now };
    for (const o of rows) {
      // sub_id is OBX-4's; a FHIR Observation's components are tied together by bp_group instead.
      const id = insertObservationRow(
        this.s.insertObs,
        o,
        source,
        null,
        o.grouped ? `fhir:${row}` : null,
      ).lastInsertRowid;
      this.s.linkObs.run(row, Number(id));
    }
  }

  /**
   * The patient a Patient resource is: the one this source's resource already maps to, else one
   * with a matching identifier (system + value), else a new one. The source owns the demographics
   * of a patient it created; for a patient another feed made, disagreements are recorded as
   * conflicts (never overwritten) and empty fields filled, as HL7 ingest does.
   */
  resolvePatient(p: MappedFhirPatient, known: number | null, now: number): number {
    let patientId = known;
    let owned = known !== null;
    if (patientId === null) {
      for (const ident of p.identifiers) {
        const hit = this.s.findPatient.get(ident.system, ident.value) as { patient_id: number } | undefined;
        if (hit) {
          patientId = hit.patient_id;
          break;
        }
      }
    }
    const demographics = [p.family ?? null, p.given ?? null, p.birthDate ?? null, p.sex ?? null] as const;
    if (patientId === null) {
      patientId = Number(this.s.insertPatient.run(...demographics, now, now).lastInsertRowid);
      owned = true;
    } else if (owned) {
      this.s.setDemographics.run(...demographics, now, patientId);
    } else {
      const stored = this.s.getPatient.get(patientId) as Record<string, string | null>;
      const fields = ['family_name', 'given_name', 'birth_date', 'sex'] as const;
      let conflict = false;
      fields.forEach((field, i) => {
        const have = stored[field] ?? null;
        const got = demographics[i] ?? null;
        if (have !== null && got !== null && have.trim().toUpperCase() !== got.trim().toUpperCase()) {
          conflict = true;
          this.s.insertConflict.run(patientId, field, have, got, now);
        }
      });
      if (conflict) this.s.flagConflict.run(now, patientId);
      this.s.fillDemographics.run(...demographics, now, patientId);
    }
    // Like the demographics: the owning source sets the ZIP, another only fills it when missing.
    if (p.zip) (owned ? this.s.setZip : this.s.fillZip).run(patientId, p.zip);
    for (const ident of p.identifiers)
      this.s.insertIdentifier.run(patientId, ident.system, ident.value, ident.type);
    return patientId;
  }

  /** A patient by identifier (system + value), for a subject given only as an identifier. */
  resolvePatientByIdentifier(system: string, value: string): number | undefined {
    return (this.s.findPatient.get(system, value) as { patient_id: number } | undefined)?.patient_id;
  }

  setPatientLocation(
    patientId: number,
    where: { unit: string | null; room: string | null; bed: string | null },
    now: number,
  ): void {
    this.s.setLocation.run(where.unit, where.room, where.bed, now, patientId);
  }

  upsertDevice(identifier: string, kind: string | undefined, now: number): number {
    return (this.s.upsertDevice.get(identifier, kind ?? null, now, now) as { id: number }).id;
  }

  upsertLocation(
    sourceId: number,
    id: string,
    name: string | null,
    kind: string | null,
    partOf: string | null,
  ): void {
    this.s.upsertLocation.run(sourceId, id, name, kind, partOf);
  }

  location(
    sourceId: number,
    id: string,
  ): { name: string | null; kind: string | null; partOf: string | null } | undefined {
    return this.s.getLocation.get(sourceId, id) as never;
  }

  cursor(sourceId: number, stream: string): string | undefined {
    return (this.s.getCursor.get(sourceId, stream) as { at: string } | undefined)?.at;
  }

  setCursor(sourceId: number, stream: string, at: string): void {
    this.s.setCursor.run(sourceId, stream, at);
  }

  quarantine(
    sourceId: number,
    entry: { type: string; id: string | null; versionId: string | null; reason: string; raw: unknown },
    now: number,
  ): boolean {
    // The same version seen again (by the second Observation search, or a re-run) is there already.
    if (entry.id !== null && this.s.quarantined.get(sourceId, entry.type, entry.id, entry.versionId))
      return false;
    this.s.quarantine.run(
      sourceId,
      entry.type,
      entry.id,
      entry.versionId,
      entry.reason.slice(0, 1000),
      JSON.stringify(entry.raw),
      now,
    );
    return true;
  }
}
