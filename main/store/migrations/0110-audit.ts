import type { Migration } from '../migrate';

/**
 * The audit chain. `seq` is assigned by the appender (head + 1), never by SQLite, so a gap is
 * evidence. Each index pairs a filter column with `seq` so a filtered page is one index range
 * read newest-first (see main/audit/search.ts and its query-plan test).
 */
export const m0110: Migration = {
  version: 110,
  name: '0110-audit',
  up(db) {
    db.exec(`
      CREATE TABLE audit_log (
        seq                INTEGER PRIMARY KEY,
        at                 INTEGER NOT NULL,
        actor              TEXT NOT NULL,
        actor_id           INTEGER,
        role               TEXT,
        host               TEXT NOT NULL,
        remote_address     TEXT,
        action             TEXT NOT NULL,
        target             TEXT,
        patient_id         INTEGER,
        outcome            TEXT NOT NULL,
        break_glass_reason TEXT,
        details            TEXT,
        mac                BLOB NOT NULL
      ) STRICT;
      CREATE INDEX audit_at ON audit_log(at);
      CREATE INDEX audit_actor ON audit_log(actor, seq);
      CREATE INDEX audit_action ON audit_log(action, seq);
      CREATE INDEX audit_outcome ON audit_log(outcome, seq);
      CREATE INDEX audit_target ON audit_log(target, seq) WHERE target IS NOT NULL;
      CREATE INDEX audit_patient ON audit_log(patient_id, seq) WHERE patient_id IS NOT NULL;
      CREATE INDEX audit_break_glass ON audit_log(seq) WHERE break_glass_reason IS NOT NULL;

      -- The last entry, MAC'd on its own: deleting entries from the end is detected too.
      CREATE TABLE audit_head (
        id       INTEGER PRIMARY KEY CHECK (id = 1),
        seq      INTEGER NOT NULL,
        mac      BLOB NOT NULL,
        head_mac BLOB NOT NULL
      ) STRICT;

      -- How far each forwarding sink (SIEM) has been sent; the chain itself is the queue.
      CREATE TABLE audit_forward (
        sink     TEXT PRIMARY KEY,
        sent_seq INTEGER NOT NULL
      ) STRICT;
    `);
  },
};
