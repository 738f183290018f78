import { existsSync, mkdirSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type { KeySourceKind } from '../../shared/api/node';
import type { Logger } from '../log/logger';
import { startCheckpointer, type Checkpointer } from './checkpointer';
import { openEncrypted, type Db } from './database';
import { WrongKeyError } from './errors';
import type { KeyName, KeySource } from './key-source';
import { LATEST_SCHEMA_VERSION, assertNotNewer, migrate, schemaVersion } from './migrate';

export const DATABASE_FILE = 'vitalmesh.db';

export const databasePath = (dataDir: string): string => join(dataDir, DATABASE_FILE);

/** The open, migrated, encrypted store. Only main/store hands out its connection. */
export interface Store {
  readonly db: Db;
  readonly file: string;
  readonly keySource: KeySourceKind;
  schemaVersion(): number;
  /** Bytes of the database file and its WAL, for health and capacity planning. */
  sizes(): { storeBytes: number; walBytes: number };
  /** Moves WAL checkpoints off the writer's thread (the running node; see checkpointer.ts). */
  startBackgroundCheckpoints(logger: Logger, intervalMs?: number): Checkpointer;
  close(): void;
}

export function ensureDataDir(dataDir: string): void {
  // Owner-only: the folder holds the database, key files and exports of this facility.
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
}

/**
 * Loads a key, finishing an interrupted rotation first: if the current key no longer opens the
 * file but the staged one does, the re-key completed and only the commit was missed.
 */
export async function openWithKeySource(
  file: string,
  keys: KeySource,
  name: KeyName,
  open: (key: Buffer) => Db,
): Promise<{ db: Db; key: Buffer }> {
  const create = !existsSync(file);
  const key = await keys.load(name, { create });
  try {
    return { db: open(key), key };
  } catch (error) {
    if (!(error instanceof WrongKeyError)) throw error;
    const staged = await keys.pending(name);
    if (!staged) throw error;
    const db = open(staged);
    await keys.commit(name);
    return { db, key: staged };
  }
}

export async function openStore(dataDir: string, keys: KeySource): Promise<Store> {
  ensureDataDir(dataDir);
  const file = databasePath(dataDir);
  const { db, key } = await openWithKeySource(file, keys, 'database', (key) =>
    openEncrypted(file, { bytes: key }, { check: (db) => assertNotNewer(db, file) }),
  );
  try {
    migrate(db, file);
    // Rows of the hot table are small; a larger page cache keeps the index hot between commits.
    db.pragma('cache_size=-65536');
  } catch (error) {
    db.close();
    throw error;
  }
  const size = (path: string) => (existsSync(path) ? statSync(path).size : 0);
  return {
    db,
    file,
    keySource: keys.kind,
    schemaVersion: () => schemaVersion(db),
    sizes: () => ({ storeBytes: size(file), walBytes: size(`${file}-wal`) }),
    startBackgroundCheckpoints: (logger, intervalMs) =>
      startCheckpointer({ file, key, logger, writer: db, intervalMs }),
    close: () => db.close(),
  };
}

export { LATEST_SCHEMA_VERSION };
