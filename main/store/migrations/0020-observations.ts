import type { Migration } from '../migrate';

/**
 * Patients, devices and the hot table, observations. Times are epoch milliseconds (UTC) so range
 * scans compare integers; the index serves "one patient, one code, a time range".
 */
export const m0020: Migration = {
  version: 20,
  name: '0020-observations',
  up(db) {
    db.exec(`
      CREATE TABLE patients (
        id          INTEGER PRIMARY KEY,
        family_name TEXT,
        given_name  TEXT,
        birth_date  TEXT,
        sex         TEXT,
        unit        TEXT,
        room        TEXT,
        bed         TEXT,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE patient_identifiers (
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        system     TEXT NOT NULL,
        value      TEXT NOT NULL,
        PRIMARY KEY (system, value)
      ) STRICT;
      CREATE INDEX patient_identifiers_patient ON patient_identifiers(patient_id);

      CREATE TABLE devices (
        id         INTEGER PRIMARY KEY,
        identifier TEXT NOT NULL UNIQUE,
        kind       TEXT,
        created_at INTEGER NOT NULL
      ) STRICT;

      CREATE TABLE observations (
        id          INTEGER PRIMARY KEY,
        patient_id  INTEGER NOT NULL REFERENCES patients(id),
        device_id   INTEGER REFERENCES devices(id),
        code        TEXT NOT NULL,
        code_system TEXT NOT NULL,
        value_num   REAL,
        value_text  TEXT,
        unit        TEXT,
        observed_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX observations_patient_code_time ON observations(patient_id, code, observed_at);
    `);
  },
};
