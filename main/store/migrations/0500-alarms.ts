import type { Migration } from '../migrate';

/**
 * Alarm limits and alarm history (issue 5). Limits come from the catalog unless a unit (set by
 * IT) or a patient (set by a clinician) overrides them, per code; the most specific wins. One
 * alarm_events row is one alarm episode, from its start to the moment its condition cleared.
 * Times are epoch ms (UTC).
 */
export const m0500: Migration = {
  version: 500,
  name: '0500-alarms',
  up(db) {
    db.exec(`
      CREATE TABLE alarm_limits_unit (
        unit          TEXT NOT NULL,
        code          TEXT NOT NULL,
        low           REAL NOT NULL,
        high          REAL NOT NULL,
        critical_low  REAL NOT NULL,
        critical_high REAL NOT NULL,
        updated_at    INTEGER NOT NULL,
        updated_by    TEXT NOT NULL,
        PRIMARY KEY (unit, code)
      ) STRICT;

      CREATE TABLE alarm_limits_patient (
        patient_id    INTEGER NOT NULL REFERENCES patients(id),
        code          TEXT NOT NULL,
        low           REAL NOT NULL,
        high          REAL NOT NULL,
        critical_low  REAL NOT NULL,
        critical_high REAL NOT NULL,
        updated_at    INTEGER NOT NULL,
        updated_by    TEXT NOT NULL,
        PRIMARY KEY (patient_id, code)
      ) STRICT;

      -- How long a parameter may be silent before "signal lost", per unit (IT).
      CREATE TABLE alarm_unit_settings (
        unit           TEXT PRIMARY KEY,
        signal_lost_ms INTEGER NOT NULL,
        updated_at     INTEGER NOT NULL,
        updated_by     TEXT NOT NULL
      ) STRICT;

      CREATE TABLE alarm_events (
        id              INTEGER PRIMARY KEY,
        patient_id      INTEGER NOT NULL REFERENCES patients(id),
        code            TEXT NOT NULL,
        kind            TEXT NOT NULL,
        condition       TEXT NOT NULL,
        priority        TEXT NOT NULL,
        value           REAL,
        limit_value     REAL,
        started_at      INTEGER NOT NULL,
        ended_at        INTEGER,
        acknowledged_at INTEGER,
        acknowledged_by TEXT,
        silenced_until  INTEGER
      ) STRICT;
      CREATE INDEX alarm_events_patient_time ON alarm_events(patient_id, started_at);
      CREATE INDEX alarm_events_active ON alarm_events(patient_id) WHERE ended_at IS NULL;
    `);
  },
};
