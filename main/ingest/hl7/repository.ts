import type { PatientDemographicsRow } from '../../patients/patient-row';
import type { Db } from '../../store/database';
import {
  FIND_PATIENT_BY_IDENTIFIER_SQL,
  INSERT_OBSERVATION_SQL,
  insertObservationRow,
  UPSERT_DEVICE_SQL,
} from '../store-sql';
import type { MappedObservation, MappedPatient, PatientIdentifier } from './oru';

/** Hot queries, named so a test can hold them to their index with EXPLAIN QUERY PLAN. */
export const FIND_ACCEPTED_SQL =
  "SELECT id FROM hl7_messages WHERE sender = ? AND control_id = ? AND outcome = 'accepted'";

export interface MessageRow {
  readonly receivedAt: number;
  readonly sender: string;
  readonly controlId: string;
  readonly messageType: string;
  readonly outcome: 'accepted' | 'duplicate' | 'rejected';
  readonly ackCode: string;
  readonly reason: string | null;
  readonly observationCount: number;
  readonly remote: string | null;
  readonly raw: Buffer;
  readonly ack: string;
  /** The (last) patient the message names, when matched before the message is written. */
  readonly patientId: number | null;
  /** The kept message this one is a replay of (ingest.replay); null for what arrived by MLLP. */
  readonly replayOf: number | null;
}

/** A disagreement found while matching, written once the message it came in has its id. */
export interface PatientConflict {
  readonly patientId: number;
  readonly field: string;
  readonly stored: string | null;
  readonly received: string | null;
}

const DEMOGRAPHICS = [
  ['family_name', 'family'],
  ['given_name', 'given'],
  ['birth_date', 'birthDate'],
  ['sex', 'sex'],
] as const;

/** The ingest's statements, prepared once on the store's connection. */
function prepareStatements(db: Db) {
  return {
    findAccepted: db.prepare(FIND_ACCEPTED_SQL),
    insertMessage: db.prepare(`INSERT INTO hl7_messages
      (received_at, sender, control_id, message_type, outcome, ack_code, reason, observation_count, remote, raw, ack,
       patient_id, replay_of)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    findPatient: db.prepare(FIND_PATIENT_BY_IDENTIFIER_SQL),
    getPatient: db.prepare(
      'SELECT id, family_name, given_name, birth_date, sex, unit, room, bed FROM patients WHERE id = ?',
    ),
    insertPatient:
      db.prepare(`INSERT INTO patients (family_name, given_name, birth_date, sex, unit, room, bed, created_at, updated_at)
      VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)`),
    insertIdentifier: db.prepare(
      'INSERT OR IGNORE INTO patient_identifiers (patient_id, system, value, type) VALUES (?, ?, ?, ?)',
    ),
    fillDemographics:
      db.prepare(`UPDATE patients SET family_name = coalesce(family_name, ?), given_name = coalesce(given_name, ?),
      birth_date = coalesce(birth_date, ?), sex = coalesce(sex, ?), updated_at = ? WHERE id = ?`),
    // Filled, never overwritten: a differing ZIP is a move or an error, for a person to settle.
    fillZip: db.prepare('INSERT OR IGNORE INTO patient_zip (patient_id, zip) VALUES (?, ?)'),
    setLocation: db.prepare('UPDATE patients SET unit = ?, room = ?, bed = ?, updated_at = ? WHERE id = ?'),
    flagConflict: db.prepare('UPDATE patients SET demographics_conflict = 1, updated_at = ? WHERE id = ?'),
    insertConflict:
      db.prepare(`INSERT INTO patient_conflicts (patient_id, message_id, field, stored, received, at)
      VALUES (?, ?, ?, ?, ?, ?)`),
    upsertDevice: db.prepare(UPSERT_DEVICE_SQL),
    insertObservation: db.prepare(INSERT_OBSERVATION_SQL),
  };
}

const DEVICE_SEEN_RESOLUTION_MS = 1000;
/** Bounds the memory of a node that hears from very many devices over its life. */
const MAX_REMEMBERED_DEVICES = 10_000;

/** The ingest's writes, as prepared statements on the store's connection. Call inside a transaction. */
export class IngestRepository {
  private readonly s: ReturnType<typeof prepareStatements>;
  /** Devices as committed: id and the last_seen_at written. */
  private readonly devices = new Map<string, { id: number; at: number }>();
  /** Devices written by the open transaction. */
  private readonly uncommittedDevices = new Map<string, { id: number; at: number }>();

  constructor(readonly db: Db) {
    this.s = prepareStatements(db);
  }

  findAccepted(sender: string, controlId: string): number | undefined {
    return (this.s.findAccepted.get(sender, controlId) as { id: number } | undefined)?.id;
  }

  insertMessage(row: MessageRow): number {
    return Number(
      this.s.insertMessage.run(
        row.receivedAt,
        row.sender,
        row.controlId,
        row.messageType,
        row.outcome,
        row.ackCode,
        row.reason,
        row.observationCount,
        row.remote,
        row.raw,
        row.ack,
        row.patientId,
        row.replayOf,
      ).lastInsertRowid,
    );
  }

  /**
   * Finds the patient by identifier + assigning authority, or creates one. Demographics that
   * disagree with what is stored are recorded as conflicts and flagged, never overwritten; empty
   * stored fields are filled. The location (PV1-3) follows the latest message: patients move.
   */
  resolvePatient(p: MappedPatient, messageId: number, now: number): number {
    const { id, conflicts } = this.matchPatient(p, now);
    this.recordConflicts(conflicts, messageId, now);
    return id;
  }

  /** Writes what matchPatient found, under the message that carried it. */
  recordConflicts(conflicts: readonly PatientConflict[], messageId: number, now: number): void {
    for (const c of conflicts)
      this.s.insertConflict.run(c.patientId, messageId, c.field, c.stored, c.received, now);
  }

  /**
   * resolvePatient without its conflict rows, which need the message's id: the ingest matches
   * before it writes the message, so the message row is written once with its patient instead
   * of written and then updated (an UPDATE rewrites the whole row, raw message included).
   */
  matchPatient(p: MappedPatient, now: number): { id: number; conflicts: PatientConflict[] } {
    const conflicts: PatientConflict[] = [];
    const found = new Set<number>();
    const unknown: PatientIdentifier[] = [];
    for (const ident of p.identifiers) {
      const row = this.s.findPatient.get(ident.system, ident.value) as { patient_id: number } | undefined;
      if (row) found.add(row.patient_id);
      else unknown.push(ident);
    }
    const [first, ...others] = [...found];
    if (first === undefined) {
      const id = Number(
        this.s.insertPatient.run(
          p.family ?? null,
          p.given ?? null,
          p.birthDate ?? null,
          p.sex ?? null,
          p.unit ?? null,
          p.room ?? null,
          p.bed ?? null,
          now,
          now,
        ).lastInsertRowid,
      );
      for (const ident of p.identifiers)
        this.s.insertIdentifier.run(id, ident.system, ident.value, ident.type);
      if (p.zip) this.s.fillZip.run(id, p.zip);
      return { id, conflicts };
    }
    for (const other of others) {
      // Two known identifiers naming two patients: a merge is a person's decision, not ours.
      for (const id of [first, other]) {
        conflicts.push({
          patientId: id,
          field: 'identifiers',
          stored: `patient ${first}`,
          received: `patient ${other}`,
        });
        this.s.flagConflict.run(now, id);
      }
    }
    // Only identifiers not yet known: a write per message for nothing adds up at 10k messages/s.
    for (const ident of unknown) this.s.insertIdentifier.run(first, ident.system, ident.value, ident.type);
    const stored = this.s.getPatient.get(first) as PatientDemographicsRow;
    let conflict = false;
    let fill = false;
    for (const [column, key] of DEMOGRAPHICS) {
      const received = p[key];
      const have = stored[column];
      if (received === undefined) continue;
      if (have === null) fill = true;
      else if (have.trim().toUpperCase() !== received.trim().toUpperCase()) {
        conflict = true;
        conflicts.push({ patientId: first, field: column, stored: have, received });
      }
    }
    if (conflict) this.s.flagConflict.run(now, first);
    if (fill)
      this.s.fillDemographics.run(
        p.family ?? null,
        p.given ?? null,
        p.birthDate ?? null,
        p.sex ?? null,
        now,
        first,
      );
    if (p.zip) this.s.fillZip.run(first, p.zip);
    const hasLocation = p.unit !== undefined || p.room !== undefined || p.bed !== undefined;
    if (
      hasLocation &&
      (stored.unit !== (p.unit ?? null) || stored.room !== (p.room ?? null) || stored.bed !== (p.bed ?? null))
    ) {
      this.s.setLocation.run(p.unit ?? null, p.room ?? null, p.bed ?? null, now, first);
    }
    return { id: first, conflicts };
  }

  /**
   * The device's id, its last_seen_at moved on at most once a second: a gateway's monitors send
   * several messages a second each, and the upsert rewrote a devices page in every commit for a
   * time the screens show to the second (and the silent-feed probe reads in tens of seconds).
   */
  upsertDevice(identifier: string, kind: string | undefined, now: number): number {
    const known = this.uncommittedDevices.get(identifier) ?? this.devices.get(identifier);
    if (known && now - known.at < DEVICE_SEEN_RESOLUTION_MS) return known.id;
    const id = (this.s.upsertDevice.get(identifier, kind ?? null, now, now) as { id: number }).id;
    this.uncommittedDevices.set(identifier, { id, at: now });
    return id;
  }

  /** The transaction committed: what it wrote may be relied on. */
  committed(): void {
    if (this.devices.size + this.uncommittedDevices.size > MAX_REMEMBERED_DEVICES) this.devices.clear();
    for (const [identifier, seen] of this.uncommittedDevices) this.devices.set(identifier, seen);
    this.uncommittedDevices.clear();
  }

  /** The transaction rolled back: a device it created doesn't exist. */
  rolledBack(): void {
    this.uncommittedDevices.clear();
  }

  insertObservation(
    o: MappedObservation,
    ids: { patientId: number; deviceId: number | null; messageId: number; receivedAt: number },
  ): void {
    insertObservationRow(
      this.s.insertObservation,
      o,
      ids,
      o.subId ?? null,
      o.group === undefined ? null : `${ids.messageId}:${o.group}`,
    );
  }
}
