import type { Migration } from '../migrate';

/**
 * The mesh (issue 8; numbered after the migrations that landed before it was wired): this facility's PKI, enrolled peers, sharing agreements (sender side) and
 * subscriptions with received batches (receiver side). Private keys live here, inside the
 * encrypted store, never in a file of their own.
 */
export const m0520: Migration = {
  version: 520,
  name: '0520-mesh',
  up(db) {
    db.exec(`
      -- kind 'ca' or 'node'; the newest row of a kind is the one in use, older rows are history.
      CREATE TABLE mesh_certificates (
        id          INTEGER PRIMARY KEY,
        kind        TEXT NOT NULL CHECK (kind IN ('ca', 'node')),
        cert_pem    TEXT NOT NULL,
        key_pem     TEXT NOT NULL,
        fingerprint TEXT NOT NULL,
        not_before  INTEGER NOT NULL,
        not_after   INTEGER NOT NULL,
        created_at  INTEGER NOT NULL
      ) STRICT;
      CREATE INDEX mesh_certificates_kind ON mesh_certificates(kind, id);

      -- A peer is trusted only while status = 'active' (IT compared the fingerprint out of band).
      CREATE TABLE mesh_peers (
        facility_id     TEXT PRIMARY KEY,
        display_name    TEXT NOT NULL,
        endpoint        TEXT NOT NULL,
        ca_pem          TEXT NOT NULL,
        ca_fingerprint  TEXT NOT NULL,
        status          TEXT NOT NULL CHECK (status IN ('pending', 'active', 'suspended')),
        imported_by     TEXT NOT NULL,
        imported_at     INTEGER NOT NULL,
        confirmed_by    TEXT,
        confirmed_at    INTEGER,
        last_contact_at INTEGER,
        last_contact    TEXT
      ) STRICT;

      -- One row per version. The version in force is the newest approved one that isn't revoked.
      CREATE TABLE mesh_agreements (
        id               TEXT NOT NULL,
        version          INTEGER NOT NULL,
        peer_facility_id TEXT NOT NULL,
        products         TEXT NOT NULL,
        purpose          TEXT NOT NULL,
        deid_profile     TEXT NOT NULL,
        k                INTEGER NOT NULL,
        starts_at        INTEGER NOT NULL,
        expires_at       INTEGER NOT NULL,
        state            TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'revoked', 'superseded')),
        created_by       TEXT NOT NULL,
        created_at       INTEGER NOT NULL,
        approved_by      TEXT,
        approved_at      INTEGER,
        revoked_by       TEXT,
        revoked_at       INTEGER,
        revoke_reason    TEXT,
        PRIMARY KEY (id, version)
      ) STRICT;
      CREATE INDEX mesh_agreements_peer ON mesh_agreements(peer_facility_id, state);

      -- The pseudonym key of an agreement (all its versions): two peers can't join their copies.
      CREATE TABLE mesh_agreement_keys (
        agreement_id TEXT PRIMARY KEY,
        key          BLOB NOT NULL
      ) STRICT;

      -- Sender side: what each peer last acknowledged, for the Peers screen.
      CREATE TABLE mesh_sent_state (
        peer_facility_id TEXT NOT NULL,
        product_id       TEXT NOT NULL,
        acked_cursor     TEXT NOT NULL,
        acked_at         INTEGER NOT NULL,
        PRIMARY KEY (peer_facility_id, product_id)
      ) STRICT;

      -- Receiver side: what we pull from whom, and where we are. cursor moves only in the
      -- transaction that stores the batch, so a crash resumes at the last committed batch.
      CREATE TABLE mesh_subscriptions (
        peer_facility_id  TEXT NOT NULL,
        product_id        TEXT NOT NULL,
        cursor            TEXT NOT NULL DEFAULT '',
        batches_received  INTEGER NOT NULL DEFAULT 0,
        rows_received     INTEGER NOT NULL DEFAULT 0,
        created_at        INTEGER NOT NULL,
        last_pull_at      INTEGER,
        last_success_at   INTEGER,
        last_batch_at     INTEGER,
        last_error        TEXT,
        failures          INTEGER NOT NULL DEFAULT 0,
        -- The columns the peer's catalog announced (JSON), so received rows can be read back.
        columns           TEXT NOT NULL DEFAULT '[]',
        PRIMARY KEY (peer_facility_id, product_id)
      ) STRICT;

      CREATE TABLE mesh_received_batches (
        id                INTEGER PRIMARY KEY,
        peer_facility_id  TEXT NOT NULL,
        product_id        TEXT NOT NULL,
        product_version   TEXT NOT NULL,
        cursor_from       TEXT NOT NULL,
        cursor_to         TEXT NOT NULL,
        row_count         INTEGER NOT NULL,
        sha256            BLOB NOT NULL,
        rows_json         BLOB NOT NULL,
        agreement_id      TEXT NOT NULL,
        agreement_version INTEGER NOT NULL,
        received_at       INTEGER NOT NULL,
        UNIQUE (peer_facility_id, product_id, cursor_from)
      ) STRICT;
    `);
  },
};
