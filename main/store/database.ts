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
 * How pages are encrypted and authenticated. Both layouts are SQLCipher 4: AES-256-CBC with a
 * random IV per page and an HMAC over every page. The current one keys with the raw 256-bit key
 * and takes the page HMAC over SHA-256:
 *  - the library computes that HMAC for every page it writes or reads, and on CPUs with the SHA
 *    extensions (patches/: the library's SHA-256 uses them) it costs a fraction of SHA-512's,
 *    which has no such instructions (bench/store.ts);
 *  - the key is random (or already stretched by scrypt, for a passphrase), so PBKDF2's 256,000
 *    rounds at every open bought nothing and cost ~0.2 s of CPU per connection.
 * The older layout (SQLCipher 4 defaults: the key given as a passphrase, PBKDF2-HMAC-SHA512, page
 * HMAC-SHA512) is what stores created before use; they open as they are, and take the current
 * layout at their next key rotation.
 */
export type CipherLayout = 'sqlcipher4-raw-key-hmac-sha256' | 'sqlcipher4-hmac-sha512';

export const CURRENT_CIPHER_LAYOUT: CipherLayout = 'sqlcipher4-raw-key-hmac-sha256';

interface Layout {
  /** Set on a connection before its key (or before a re-key). */
  readonly pragmas: readonly string[];
  /** How the key is given: `verb` is key, or rekey to re-encrypt into this layout. */
  readonly key: (hex: string, verb: 'key' | 'rekey') => string;
}

const LAYOUTS: Record<CipherLayout, Layout> = {
  // A forensic examiner opens these with standard SQLCipher 4 tools:
  // PRAGMA key = "x'<64 hex digits>'"; PRAGMA cipher_hmac_algorithm = HMAC_SHA256;
  'sqlcipher4-raw-key-hmac-sha256': {
    pragmas: [`cipher='sqlcipher'`, 'legacy=4', 'hmac_algorithm=1'],
    key: (hex, verb) => `${verb}="x'${hex}'"`,
  },
  'sqlcipher4-hmac-sha512': {
    pragmas: [`cipher='sqlcipher'`, 'legacy=4'],
    key: (hex, verb) => `hex${verb}='${hex}'`,
  },
};

const layouts = new WeakMap<Db, CipherLayout>();

/**
 * The pragmas that open (`key`) or re-encrypt (`rekey`) a file in a layout, in order. They carry
 * the key: never log them.
 */
export function keyingPragmas(layout: CipherLayout, key: Buffer, verb: 'key' | 'rekey' = 'key'): string[] {
  const { pragmas, key: keyPragma } = LAYOUTS[layout];
  return [...pragmas, keyPragma(key.toString('hex'), verb)];
}

/** The layout a connection from openEncrypted was opened with. */
export function cipherLayoutOf(db: Db): CipherLayout {
  const layout = layouts.get(db);
  if (!layout) throw new StoreError('not a connection opened by openEncrypted');
  return layout;
}

/**
 * Opens an encrypted database and proves the key. Only main/store opens database files.
 * @see ../shared/NOTES.md for what this cipher library does and doesn't support.
 */
export function openEncrypted(file: string, key: DbKey, options: OpenOptions = {}): Db {
  if (key.bytes.length !== 32) throw new StoreError('database key must be 256 bits');
  const isNew = !existsSync(file);
  if (isNew && options.readonly) throw new StoreError(`${file} does not exist`);
  // A new file gets the current layout; an existing one is tried in each, newest first. A key
  // that opens none is the wrong key: every attempt only reads, so the file is untouched.
  const candidates: CipherLayout[] = isNew
    ? [CURRENT_CIPHER_LAYOUT]
    : [CURRENT_CIPHER_LAYOUT, 'sqlcipher4-hmac-sha512'];
  let db: Db | undefined;
  for (const layout of candidates) {
    db = openWithLayout(file, key, layout, options.readonly ?? false);
    if (db) {
      layouts.set(db, layout);
      break;
    }
  }
  if (!db) throw new WrongKeyError(file);
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
      // Checkpoint every ~40 MB of WAL instead of ~4 MB: a page changed many times between
      // checkpoints is copied once. Measured with bench/store.ts when each copied page was still
      // decrypted and re-encrypted (patches/): encrypted inserts went from ~0.65x to ~0.9x.
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

/** The connection, or undefined when this key and layout don't open the file. */
function openWithLayout(file: string, key: DbKey, layout: CipherLayout, readonly: boolean): Db | undefined {
  const db = new Database(file, { readonly, fileMustExist: false });
  try {
    // The cipher must be chosen and keyed before anything reads the file.
    for (const pragma of keyingPragmas(layout, key.bytes)) db.pragma(pragma);
    // Prove the key: a wrong key (or layout) fails here with SQLITE_NOTADB.
    db.prepare('SELECT count(*) FROM sqlite_master').get();
    return db;
  } catch (error) {
    db.close();
    if (isNotADatabase(error)) return undefined;
    throw error;
  }
}

export function isNotADatabase(error: unknown): boolean {
  return typeof error === 'object' && error !== null && 'code' in error && error.code === 'SQLITE_NOTADB';
}
