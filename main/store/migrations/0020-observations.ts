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
        -- Set when a message disagreed with stored demographics; see patient_conflicts.
        demographics_conflict INTEGER NOT NULL DEFAULT 0,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX patients_family_name ON patients(family_name COLLATE NOCASE);

      -- system is the assigning authority (PID-3.4): an identifier means nothing without it.
      CREATE TABLE patient_identifiers (
        patient_id INTEGER NOT NULL REFERENCES patients(id) ON DELETE CASCADE,
        system     TEXT NOT NULL,
        value      TEXT NOT NULL,
        type       TEXT NOT NULL DEFAULT '',
        PRIMARY KEY (system, value)
      ) STRICT;
      CREATE INDEX patient_identifiers_patient ON patient_identifiers(patient_id);
      CREATE INDEX patient_identifiers_value ON patient_identifiers(value);

      CREATE TABLE devices (
        id         INTEGER PRIMARY KEY,
        identifier TEXT NOT NULL UNIQUE,
        kind       TEXT,
        created_at INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL
      ) STRICT;

      -- code is the catalog id (code_system 'vitalmesh') when the received code is known, so
      -- MDC_PRESS_CUFF_SYS and MDC_PRESS_BLD_NONINV_SYS read as one series; source_code keeps
      -- OBX-3 as received. bp_group ties sys/dia/mean of one measurement together.
      CREATE TABLE observations (
        id          INTEGER PRIMARY KEY,
        patient_id  INTEGER NOT NULL REFERENCES patients(id),
        device_id   INTEGER REFERENCES devices(id),
        message_id  INTEGER,
        code        TEXT NOT NULL,
        code_system TEXT NOT NULL,
        source_code TEXT NOT NULL,
        value_type  TEXT NOT NULL,
        value_num   REAL,
        value_text  TEXT,
        unit        TEXT,
        sub_id      TEXT,
        bp_group    TEXT,
        abnormal_flags TEXT,
        status      TEXT,
        observed_at INTEGER NOT NULL,
        received_at INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX observations_patient_code_time ON observations(patient_id, code, observed_at);
    `);
  },
};
