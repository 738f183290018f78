import type { Migration } from '../migrate';

/**
 * Data products, de-identification profiles and dataset exports (issue 7), plus the two
 * quasi-identifiers products need that 0020 doesn't hold: a patient's ZIP code and the type of
 * the unit they lie on.
 *
 * Definitions are versioned by appending: editing a product or profile inserts (name, version+1);
 * an export names the exact version it used, so its manifest can always be explained later.
 */
export const m0300: Migration = {
  version: 300,
  name: '0300-products',
  up(db) {
    db.exec(`
      CREATE TABLE product_definitions (
        name        TEXT NOT NULL,
        version     INTEGER NOT NULL,
        definition  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        PRIMARY KEY (name, version)
      ) STRICT;

      CREATE TABLE deid_profiles (
        name        TEXT NOT NULL,
        version     INTEGER NOT NULL,
        definition  TEXT NOT NULL,
        created_at  INTEGER NOT NULL,
        created_by  TEXT NOT NULL,
        PRIMARY KEY (name, version)
      ) STRICT;

      -- A patient's residential ZIP (PID-11.5 / Patient.address.postalCode), filled by ingest.
      -- Only its first three digits ever leave the node (Safe Harbor (B)).
      CREATE TABLE patient_zip (
        patient_id INTEGER PRIMARY KEY REFERENCES patients(id) ON DELETE CASCADE,
        zip        TEXT NOT NULL
      ) STRICT;

      -- What kind of unit a unit label is (ICU, ward, ED …), set by IT. Unit and bed labels are
      -- locations smaller than a state and never leave; the type is coarse enough to.
      CREATE TABLE unit_types (
        unit      TEXT PRIMARY KEY,
        unit_type TEXT NOT NULL
      ) STRICT;

      CREATE TABLE dataset_exports (
        id              TEXT PRIMARY KEY,
        user_id         INTEGER,
        username        TEXT NOT NULL,
        product         TEXT NOT NULL,
        product_version INTEGER NOT NULL,
        profile         TEXT NOT NULL,
        profile_version INTEGER NOT NULL,
        format          TEXT NOT NULL,
        range_from      INTEGER,
        range_to        INTEGER,
        state           TEXT NOT NULL,
        rows_written    INTEGER NOT NULL DEFAULT 0,
        rows_total      INTEGER NOT NULL DEFAULT 0,
        report          TEXT,
        manifest        TEXT,
        manifest_sha256 TEXT,
        files           TEXT,
        error           TEXT,
        created_at      INTEGER NOT NULL,
        finished_at     INTEGER
      ) STRICT;
      CREATE INDEX dataset_exports_user ON dataset_exports(user_id, created_at);
    `);
  },
};
