import type { Migration } from '../migrate';

/**
 * Local accounts and their sessions. A session row keeps only the SHA-256 of its token, so a copy
 * of the database (or a forensic examiner) can't ride a live session. Times are epoch ms (UTC).
 */
export const m0100: Migration = {
  version: 100,
  name: '0100-auth',
  up(db) {
    db.exec(`
      CREATE TABLE users (
        id              INTEGER PRIMARY KEY,
        username        TEXT NOT NULL UNIQUE COLLATE NOCASE,
        display_name    TEXT NOT NULL,
        role            TEXT NOT NULL,
        -- Clinicians' assigned units (JSON array of unit names); others: '[]'.
        units           TEXT NOT NULL DEFAULT '[]',
        password_hash   TEXT NOT NULL,
        password_set_at INTEGER NOT NULL,
        failed_logins   INTEGER NOT NULL DEFAULT 0,
        locked_until    INTEGER,
        created_at      INTEGER NOT NULL,
        disabled_at     INTEGER
      ) STRICT;

      CREATE TABLE sessions (
        id           TEXT PRIMARY KEY,
        token_hash   BLOB NOT NULL UNIQUE,
        user_id      INTEGER NOT NULL REFERENCES users(id),
        host         TEXT NOT NULL,
        created_at   INTEGER NOT NULL,
        last_seen_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        ended_at     INTEGER,
        end_reason   TEXT
      ) STRICT;
      CREATE INDEX sessions_user ON sessions(user_id) WHERE ended_at IS NULL;
    `);
  },
};
