import { chmodSync, copyFileSync, existsSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { CURRENT_CIPHER_LAYOUT, keyingPragmas, openEncrypted, type Db } from './database';
import { StoreError, WrongKeyError } from './errors';
import type { KeySource } from './key-source';
import { assertNotNewer, schemaVersion } from './migrate';
import { databasePath, openWithKeySource } from './store';

export interface BackupReport {
  readonly file: string;
  readonly bytes: number;
  readonly schemaVersion: number;
}

/**
 * Proves a backup is usable: it opens with the key, passes integrity_check, and was not written by
 * a newer VitalMesh. Opened read-only so verifying never changes it.
 */
export function verifyBackup(file: string, key: Buffer): { schemaVersion: number } {
  if (!existsSync(file)) throw new StoreError(`backup ${file} does not exist`);
  let db;
  try {
    db = openEncrypted(file, { bytes: key }, { readonly: true });
  } catch (error) {
    if (error instanceof WrongKeyError) {
      throw new StoreError(
        `backup ${file} can't be opened with this node's key: it is damaged, not a VitalMesh ` +
          `backup, or was made before a key rotation`,
      );
    }
    throw new StoreError(`backup ${file} can't be opened: ${(error as Error).message}`);
  }
  try {
    assertNotNewer(db, file);
    const result = db.pragma('integrity_check', { simple: true });
    if (result !== 'ok') throw new StoreError(`backup ${file} failed its integrity check: ${String(result)}`);
    return { schemaVersion: schemaVersion(db) };
  } catch (error) {
    if (error instanceof StoreError) throw error;
    throw new StoreError(`backup ${file} is damaged: ${(error as Error).message}`);
  } finally {
    db.close();
  }
}

/**
 * An online, consistent, encrypted copy. `db.backup()` can't copy an encrypted database with this
 * library, and would risk a plaintext copy; VACUUM INTO writes through the same cipher and key.
 * Written to a temporary name and verified before it takes the final name.
 */
export async function backupDatabase(
  dataDir: string,
  keys: KeySource,
  target: string,
): Promise<BackupReport> {
  if (existsSync(target)) throw new StoreError(`${target} already exists; choose a new file name`);
  const file = databasePath(dataDir);
  if (!existsSync(file)) throw new StoreError(`no database in ${dataDir}`);
  const { db, key } = await openWithKeySource(file, keys, 'database', (k) =>
    openEncrypted(file, { bytes: k }),
  );
  const temp = join(dirname(target), `.${Date.now()}-${process.pid}.backup-partial`);
  try {
    db.prepare('VACUUM INTO ?').run(temp);
    chmodSync(temp, 0o600);
    const { schemaVersion: version } = verifyBackup(temp, key);
    renameSync(temp, target);
    const { size } = statSync(target);
    return { file: target, bytes: size, schemaVersion: version };
  } finally {
    rmSync(temp, { force: true });
    db.close();
  }
}

/**
 * Replaces the database with a verified backup. The current database is kept beside it (renamed,
 * never deleted), so a restore of the wrong file loses nothing. The node must be stopped.
 */
export async function restoreDatabase(
  dataDir: string,
  keys: KeySource,
  backup: string,
): Promise<{ restored: BackupReport; previous: string | undefined }> {
  const key = await keys.load('database', { create: false });
  const { schemaVersion: version } = verifyBackup(backup, key);
  const file = databasePath(dataDir);
  const staging = `${file}.restoring`;
  copyFileSync(backup, staging);
  chmodSync(staging, 0o600);
  let previous: string | undefined;
  if (existsSync(file)) {
    previous = `${file}.before-restore-${new Date().toISOString().replace(/[:.]/g, '-')}`;
    // Fold the WAL into the file first so the kept copy is complete on its own.
    const db = openEncrypted(file, { bytes: key });
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode=DELETE');
    db.close();
    renameSync(file, previous);
  }
  for (const suffix of ['-wal', '-shm']) rmSync(file + suffix, { force: true });
  renameSync(staging, file);
  const { size } = statSync(file);
  return { restored: { file, bytes: size, schemaVersion: version }, previous };
}

/**
 * Re-keys the database in place with a new key from the same source, into the current cipher
 * layout, then proves the new key opens it and the old one doesn't. The library can't re-key in
 * WAL mode, so the journal is switched to DELETE for the re-key and back to WAL after.
 */
export async function rotateDatabaseKey(dataDir: string, keys: KeySource): Promise<void> {
  const file = databasePath(dataDir);
  if (!existsSync(file)) throw new StoreError(`no database in ${dataDir}`);
  const { db, key: oldKey } = await openWithKeySource(file, keys, 'database', (k) =>
    openEncrypted(file, { bytes: k }),
  );
  let newKey: Buffer;
  try {
    newKey = await keys.stageNew('database');
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.pragma('journal_mode=DELETE');
    // The re-key rewrites every page anyway, so a store in an older layout takes the current one.
    for (const pragma of keyingPragmas(CURRENT_CIPHER_LAYOUT, newKey, 'rekey')) db.pragma(pragma);
    db.pragma('journal_mode=WAL');
  } catch (error) {
    db.close();
    await keys.discard('database');
    throw error;
  }
  db.close();
  openEncrypted(file, { bytes: newKey }).close();
  try {
    openEncrypted(file, { bytes: oldKey }, { readonly: true }).close();
    throw new StoreError('after re-keying, the old key still opens the database; rotation aborted');
  } catch (error) {
    if (!(error instanceof WrongKeyError)) throw error;
  }
  await keys.commit('database');
}

export type AutoVacuumMode = 'none' | 'full' | 'incremental';

/** SQLite's auto_vacuum setting: 0 none, 1 full, 2 incremental. */
export function autoVacuumMode(db: Db): AutoVacuumMode {
  const mode = db.pragma('auto_vacuum', { simple: true }) as number;
  return mode === 2 ? 'incremental' : mode === 1 ? 'full' : 'none';
}

/**
 * Turns on incremental vacuum for a database created before it was the default. SQLite only
 * changes the mode with a full VACUUM, which rewrites the whole file (and needs about its size
 * again in free disk) under an exclusive lock: so the node must be stopped. Returns the mode
 * before and after.
 */
export async function enableIncrementalVacuum(
  dataDir: string,
  keys: KeySource,
): Promise<{ before: AutoVacuumMode; after: AutoVacuumMode }> {
  const file = databasePath(dataDir);
  if (!existsSync(file)) throw new StoreError(`no database in ${dataDir}`);
  const { db } = await openWithKeySource(file, keys, 'database', (k) => openEncrypted(file, { bytes: k }));
  try {
    const before = autoVacuumMode(db);
    if (before !== 'incremental') {
      db.pragma('auto_vacuum=INCREMENTAL');
      db.exec('VACUUM');
    }
    return { before, after: autoVacuumMode(db) };
  } finally {
    db.close();
  }
}
