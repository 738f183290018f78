import type { Migration } from '../migrate';

/**
 * Every HL7 v2 message received, raw, with the ACK it got: for review, replay and the quarantine
 * (outcome 'rejected'). The database is encrypted, so the raw bytes are too.
 */
export const m0030: Migration = {
  version: 30,
  name: '0030-hl7-messages',
  up(db) {
    db.exec(`
      CREATE TABLE hl7_messages (
        id           INTEGER PRIMARY KEY,
        received_at  INTEGER NOT NULL,
        -- MSH-3 | MSH-4: with control_id, what makes a resend a duplicate.
        sender       TEXT NOT NULL,
        control_id   TEXT NOT NULL,
        message_type TEXT NOT NULL,
        outcome      TEXT NOT NULL CHECK (outcome IN ('accepted', 'duplicate', 'rejected')),
        ack_code     TEXT NOT NULL,
        reason       TEXT,
        observation_count INTEGER NOT NULL DEFAULT 0,
        patient_id   INTEGER,
        remote       TEXT,
        raw          BLOB NOT NULL,
        ack          TEXT NOT NULL
      ) STRICT;
      -- At most one accepted message per sender and control id: the duplicate check, enforced.
      CREATE UNIQUE INDEX hl7_messages_dedupe ON hl7_messages(sender, control_id) WHERE outcome = 'accepted';
      CREATE INDEX hl7_messages_outcome ON hl7_messages(outcome, id);

      CREATE TABLE patient_conflicts (
        id          INTEGER PRIMARY KEY,
        patient_id  INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        message_id  INTEGER NOT NULL,
        field       TEXT NOT NULL,
        stored      TEXT,
        received    TEXT,
        at          INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX patient_conflicts_patient ON patient_conflicts(patient_id);
    `);
  },
};
