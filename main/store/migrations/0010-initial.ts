import type { Migration } from '../migrate';

/** Node-wide settings that must travel with the data (facility id, created-at). */
export const m0010: Migration = {
  version: 10,
  name: '0010-initial',
  up(db) {
    db.exec(`
      CREATE TABLE node_meta (
        key   TEXT PRIMARY KEY,
        value TEXT NOT NULL
      ) STRICT;
    `);
  },
};
