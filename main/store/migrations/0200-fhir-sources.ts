import type { Migration } from '../migrate';

/**
 * FHIR R4 sources (issue 6): their configuration and secrets, the sync cursor per search, one row
 * per imported resource (the idempotency key: source + type + id, with the versionId last
 * stored), the observation rows each resource produced (so a new version or entered-in-error
 * replaces or retracts exactly those), bed context from Location, and the quarantine.
 * Secrets live here because the whole database is encrypted (SQLCipher); they never leave the
 * node through the API in full.
 */
export const m0200: Migration = {
  version: 200,
  name: '0200-fhir-sources',
  up(db) {
    db.exec(`
      CREATE TABLE fhir_sources (
        id          INTEGER PRIMARY KEY,
        name        TEXT NOT NULL UNIQUE,
        base_url    TEXT NOT NULL,
        auth_kind   TEXT NOT NULL CHECK (auth_kind IN ('none', 'basic', 'bearer', 'smart')),
        -- Non-secret auth settings (username, client id, token URL, algorithm, key id, scope).
        auth_json   TEXT NOT NULL DEFAULT '{}',
        -- Password, bearer token or SMART private key (PEM).
        secret      TEXT,
        resources   TEXT NOT NULL,
        interval_seconds INTEGER,
        page_size   INTEGER NOT NULL,
        enabled     INTEGER NOT NULL DEFAULT 1,
        -- 'stopped' after the server refused our credentials: no retry until IT changes the source.
        state       TEXT NOT NULL DEFAULT 'idle' CHECK (state IN ('idle', 'running', 'ok', 'error', 'stopped')),
        last_error  TEXT,
        last_issues TEXT,
        last_counts TEXT,
        last_run_at INTEGER,
        last_success_at INTEGER,
        created_at  INTEGER NOT NULL,
        updated_at  INTEGER NOT NULL
      ) STRICT;

      -- One cursor per search stream (e.g. 'Observation:vital-signs'): the highest
      -- meta.lastUpdated committed, as the server wrote it.
      CREATE TABLE fhir_cursors (
        source_id    INTEGER NOT NULL REFERENCES fhir_sources(id) ON DELETE CASCADE,
        stream       TEXT NOT NULL,
        last_updated TEXT NOT NULL,
        PRIMARY KEY (source_id, stream)
      ) STRICT;

      CREATE TABLE fhir_resources (
        id            INTEGER PRIMARY KEY,
        source_id     INTEGER NOT NULL REFERENCES fhir_sources(id) ON DELETE CASCADE,
        resource_type TEXT NOT NULL,
        resource_id   TEXT NOT NULL,
        version_id    TEXT,
        last_updated  TEXT,
        status        TEXT,
        patient_id    INTEGER,
        device_id     INTEGER,
        retracted_at  INTEGER,
        stored_at     INTEGER NOT NULL,
        UNIQUE (source_id, resource_type, resource_id)
      ) STRICT;

      CREATE TABLE fhir_observation_rows (
        resource_row   INTEGER NOT NULL REFERENCES fhir_resources(id) ON DELETE CASCADE,
        observation_id INTEGER NOT NULL,
        PRIMARY KEY (resource_row, observation_id)
      ) STRICT, WITHOUT ROWID;

      CREATE TABLE fhir_locations (
        source_id     INTEGER NOT NULL REFERENCES fhir_sources(id) ON DELETE CASCADE,
        resource_id   TEXT NOT NULL,
        name          TEXT,
        -- Location.physicalType code: bd (bed), ro (room), wa (ward), wi (wing), lvl, bu, si …
        physical_type TEXT,
        part_of       TEXT,
        PRIMARY KEY (source_id, resource_id)
      ) STRICT;

      CREATE TABLE fhir_quarantine (
        id            INTEGER PRIMARY KEY,
        source_id     INTEGER NOT NULL REFERENCES fhir_sources(id) ON DELETE CASCADE,
        resource_type TEXT NOT NULL,
        resource_id   TEXT,
        version_id    TEXT,
        reason        TEXT NOT NULL,
        raw           TEXT NOT NULL,
        at            INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX fhir_quarantine_source ON fhir_quarantine(source_id, id);
    `);
  },
};
