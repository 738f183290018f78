import type { Migration } from '../migrate';

/**
 * Unit types as IT sets them (issue 7): the type of a care unit is a quasi-identifier in
 * releases, so it comes from a closed list (a free-text type could carry the unit's own name,
 * a location smaller than a state) and records who set it and when. 0300's table had neither;
 * it was never written, and any row that fits the list is kept.
 */
export const m0550: Migration = {
  version: 550,
  name: '0550-unit-types',
  up(db) {
    db.exec(`
      CREATE TABLE unit_types_0550 (
        unit       TEXT PRIMARY KEY,
        unit_type  TEXT NOT NULL
          CHECK (unit_type IN ('icu', 'nicu', 'picu', 'ed', 'perioperative', 'stepdown', 'ward', 'other')),
        set_by     TEXT NOT NULL,
        set_at     INTEGER NOT NULL
      ) STRICT;
      INSERT INTO unit_types_0550 (unit, unit_type, set_by, set_at)
        SELECT unit, unit_type, 'before 0550', 0 FROM unit_types
        WHERE unit_type IN ('icu', 'nicu', 'picu', 'ed', 'perioperative', 'stepdown', 'ward', 'other');
      DROP TABLE unit_types;
      ALTER TABLE unit_types_0550 RENAME TO unit_types;
    `);
  },
};
