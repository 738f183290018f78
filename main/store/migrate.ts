import type { Db } from './database';
import { NewerSchemaError, StoreError } from './errors';
import { MIGRATIONS } from './migrations';

export interface Migration {
  /** Strictly increasing; the file name carries it too (0010-initial.ts). */
  readonly version: number;
  readonly name: string;
  readonly up: (db: Db) => void;
}

export const LATEST_SCHEMA_VERSION = MIGRATIONS.at(-1)?.version ?? 0;

/** The schema version is kept in SQLite's own header field, so a backup carries it too. */
export const schemaVersion = (db: Db): number => db.pragma('user_version', { simple: true }) as number;

/** Refuses a database from a newer VitalMesh before touching it. */
export function assertNotNewer(db: Db, file: string, known = LATEST_SCHEMA_VERSION): void {
  const found = schemaVersion(db);
  if (found > known) throw new NewerSchemaError(file, found, known);
}

/**
 * Applies, in order, every migration newer than the database, one transaction each: a failure
 * leaves the database at the last good version. Forward-only: a shipped migration is never edited.
 */
export function migrate(db: Db, file: string, migrations: readonly Migration[] = MIGRATIONS): number[] {
  const known = migrations.at(-1)?.version ?? 0;
  assertNotNewer(db, file, known);
  const applied: number[] = [];
  let previous = 0;
  for (const migration of migrations) {
    if (migration.version <= previous) {
      throw new StoreError(`migration ${migration.name} is out of order`);
    }
    previous = migration.version;
    if (migration.version <= schemaVersion(db)) continue;
    db.transaction(() => {
      migration.up(db);
      db.pragma(`user_version=${migration.version}`);
    })();
    applied.push(migration.version);
  }
  return applied;
}
