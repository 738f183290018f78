import { chmodSync, existsSync } from 'node:fs';
import Database from 'better-sqlite3-multiple-ciphers';
import { StoreError, WrongKeyError } from './errors';

export type Db = Database.Database;

/** A 256-bit database key. Raw bytes, never a passphrase: the KDF (if any) ran before this. */
export interface DbKey {
  readonly bytes: Buffer;
}

export interface OpenOptions {
  /** Open read-only (verifying a backup): nothing may be written, not even a WAL. */
  readonly readonly?: boolean;
  /** Files to be opened once and closed (backups) don't need WAL. */
  readonly wal?: boolean;
  /**
   * Runs after the key is proven and before any setting writes to the file, so a refusal (a
   * newer schema) leaves the file byte-for-byte as it was.
   */
  readonly check?: (db: Db) => void;
}

/**
 * Opens an encrypted database and proves the key. Only main/store opens database files.
 * @see ../shared/NOTES.md for what this cipher library does and doesn't support.
 */
export function openEncrypted(file: string, key: DbKey, options: OpenOptions = {}): Db {
  if (key.bytes.length !== 32) throw new StoreError('database key must be 256 bits');
  const isNew = !existsSync(file);
  if (isNew && options.readonly) throw new StoreError(`${file} does not exist`);
  const db = new Database(file, { readonly: options.readonly ?? false, fileMustExist: false });
  try {
    // The cipher must be chosen and keyed before anything reads the file. SQLCipher 4 layout
    // (legacy=4) so a forensic examiner can open the file with standard SQLCipher tools.
    db.pragma(`cipher='sqlcipher'`);
    db.pragma('legacy=4');
    db.pragma(`hexkey='${key.bytes.toString('hex')}'`);
    // Prove the key: a wrong key fails here with SQLITE_NOTADB and leaves the file untouched.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
  } catch (error) {
    db.close();
    if (isNotADatabase(error)) throw new WrongKeyError(file);
    throw error;
  }
  try {
    options.check?.(db);
  } catch (error) {
    db.close();
    throw error;
  }
  if (isNew) chmodSync(file, 0o600);
  if (!options.readonly) {
    // Retention deletes rows for years; INCREMENTAL lets the purge hand freed pages back to the
    // disk in small steps. SQLite takes the mode only while the file has no tables, and (found
    // here) not once journal_mode=WAL is set: so first, on a new file. Older databases: see
    // enableIncrementalVacuum in maintenance.ts.
    if (isNew) db.pragma('auto_vacuum=INCREMENTAL');
    if (options.wal !== false) {
      // WAL: readers (console, exports) don't block the ingest writer.
      db.pragma('journal_mode=WAL');
      // NORMAL under WAL is durable against application crashes; a power loss may drop the last
      // transactions but never corrupts. ACKs are sent after commit, so a sender resends those.
      db.pragma('synchronous=NORMAL');
      // Checkpoint every ~40 MB of WAL instead of ~4 MB: each checkpoint decrypts and re-encrypts
      // the pages it copies, and a page changed many times between checkpoints is copied once.
      // Measured with bench/store.ts: encrypted inserts went from ~0.65x to ~0.9x of plaintext.
      db.pragma('wal_autocheckpoint=10000');
    }
    // Referential integrity is enforced by SQLite, not hoped for.
    db.pragma('foreign_keys=ON');
    // Another connection (backup, CLI) may hold the lock briefly; wait instead of failing.
    db.pragma('busy_timeout=5000');
    // The WAL and shared-memory files inherit the umask; make every sibling owner-only too.
    for (const suffix of ['-wal', '-shm']) {
      if (existsSync(file + suffix)) chmodSync(file + suffix, 0o600);
    }
  }
  return db;
}

export function isNotADatabase(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_NOTADB';
}
