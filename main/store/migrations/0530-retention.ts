import type { Migration } from '../migrate';

/**
 * Retention and disposal, scheduled backups (issue 9). Policies are per retention class (see
 * main/retention/classes.ts); a NULL keep_days means "keep". Each purge run and each scheduled
 * backup leaves a row here for the Retention and Health screens; the audit chain holds the proof.
 *
 * The time indexes let a purge find what is past its period by a range read instead of a full
 * scan of the table per batch. On observations it is one more index on the hot table, but its key
 * (observed_at) mostly grows, so inserts touch its right-most pages only.
 */
export const m0530: Migration = {
  version: 530,
  name: '0530-retention',
  up(db) {
    db.exec(`
      CREATE TABLE retention_policies (
        class      TEXT PRIMARY KEY,
        keep_days  INTEGER CHECK (keep_days IS NULL OR keep_days >= 1),
        updated_at INTEGER NOT NULL,
        updated_by TEXT NOT NULL
      ) STRICT;

      CREATE TABLE retention_runs (
        id          INTEGER PRIMARY KEY,
        started_at  INTEGER NOT NULL,
        finished_at INTEGER,
        dry_run     INTEGER NOT NULL,
        actor       TEXT NOT NULL,
        -- JSON: { class: { cutoff, rows } }
        counts      TEXT NOT NULL DEFAULT '{}',
        freed_pages INTEGER NOT NULL DEFAULT 0,
        error       TEXT
      ) STRICT;

      CREATE TABLE backup_runs (
        id             INTEGER PRIMARY KEY,
        started_at     INTEGER NOT NULL,
        finished_at    INTEGER NOT NULL,
        file           TEXT NOT NULL,
        bytes          INTEGER,
        schema_version INTEGER,
        outcome        TEXT NOT NULL CHECK (outcome IN ('ok', 'failed')),
        error          TEXT
      ) STRICT;
      CREATE INDEX backup_runs_outcome ON backup_runs(outcome, id);

      -- Export rows are the record of a disclosure and stay; only their files are disposed of.
      ALTER TABLE dataset_exports ADD COLUMN files_disposed_at INTEGER;

      CREATE INDEX observations_observed_at ON observations(observed_at);
      CREATE INDEX hl7_messages_received ON hl7_messages(received_at);
      CREATE INDEX alarm_events_ended ON alarm_events(ended_at) WHERE ended_at IS NOT NULL;
      CREATE INDEX mesh_received_batches_received ON mesh_received_batches(received_at);
      CREATE INDEX fhir_quarantine_at ON fhir_quarantine(at);
    `);
  },
};
