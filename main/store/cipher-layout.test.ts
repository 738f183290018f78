import { createDecipheriv, createHmac, pbkdf2Sync } from 'node:crypto';
import { mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import Database from 'better-sqlite3-multiple-ciphers';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger';
import { keyFileNode } from '../testing/key-file-node';
import { startCheckpointer } from './checkpointer';
import {
  CURRENT_CIPHER_LAYOUT,
  cipherLayoutOf,
  keyingPragmas,
  openEncrypted,
  type CipherLayout,
} from './database';
import { readKeyFile } from './key-file';
import type { KeySource } from './key-source';
import { rotateDatabaseKey } from './maintenance';
import { databasePath, openStore } from './store';

const PAGE = 4096;

/**
 * Checks every page's SQLCipher 4 HMAC with Node's OpenSSL, an implementation independent of
 * the cipher library (and of the SHA-256 code patches/ gives it). The page key is the raw key
 * (current layout) or PBKDF2-HMAC-SHA512(key, salt, 256000) (older layout); the HMAC key is
 * PBKDF2-HMAC-SHA512(page key, salt ^ 0x3a, 2); each page's HMAC covers its ciphertext and IV,
 * then its page number (little-endian). Returns how many pages verified.
 */
function verifyPageHmacs(file: string, key: Buffer, layout: CipherLayout): number {
  const bytes = readFileSync(file);
  const salt = bytes.subarray(0, 16);
  const current = layout === CURRENT_CIPHER_LAYOUT;
  const pageKey = current ? key : pbkdf2Sync(key, salt, 256_000, 32, 'sha512');
  const hmacKey = pbkdf2Sync(pageKey, Buffer.from(salt.map((b) => b ^ 0x3a)), 2, 32, 'sha512');
  const hash = current ? 'sha256' : 'sha512';
  const macLength = current ? 32 : 64;
  const pages = bytes.length / PAGE;
  for (let pgno = 1; pgno <= pages; pgno++) {
    const page = bytes.subarray((pgno - 1) * PAGE, pgno * PAGE);
    const pgnoLe = Buffer.alloc(4);
    pgnoLe.writeUInt32LE(pgno);
    const mac = createHmac(hash, hmacKey)
      .update(page.subarray(pgno === 1 ? 16 : 0, PAGE - macLength))
      .update(pgnoLe)
      .digest();
    expect(mac.equals(page.subarray(PAGE - macLength)), `page ${pgno} of ${file}`).toBe(true);
  }
  return pages;
}

/**
 * Decrypts a store in the current layout with Node's OpenSSL, page by page (AES-256-CBC with the
 * raw key; the IV is the first 16 of each page's 48 reserved bytes; page 1 keeps its first 16
 * bytes, the salt, in the clear), into a file plain SQLite opens. Checks the cipher library's
 * AES, including the four-pages-at-once path patches/ gives it, against an independent one.
 */
function decryptWithOpenSsl(file: string, key: Buffer, out: string): void {
  const bytes = readFileSync(file);
  const reserved = 48;
  const plain = Buffer.alloc(bytes.length);
  for (let pgno = 1; pgno <= bytes.length / PAGE; pgno++) {
    const page = bytes.subarray((pgno - 1) * PAGE, pgno * PAGE);
    const from = pgno === 1 ? 16 : 0;
    const iv = page.subarray(PAGE - reserved, PAGE - reserved + 16);
    const decipher = createDecipheriv('aes-256-cbc', key, iv).setAutoPadding(false);
    const body = Buffer.concat([decipher.update(page.subarray(from, PAGE - reserved)), decipher.final()]);
    const target = plain.subarray((pgno - 1) * PAGE, pgno * PAGE);
    if (pgno === 1) target.write('SQLite format 3\0', 'latin1');
    body.copy(target, from);
  }
  writeFileSync(out, plain);
}

/** A store as VitalMesh wrote them before the current layout: SQLCipher 4 defaults, HMAC-SHA512. */
function writeOldLayoutStore(file: string, key: Buffer): void {
  const db = new Database(file);
  for (const pragma of keyingPragmas('sqlcipher4-hmac-sha512', key)) db.pragma(pragma);
  db.exec(`CREATE TABLE t (x TEXT) STRICT`);
  db.prepare('INSERT INTO t VALUES (?)').run('written before the current layout');
  db.close();
}

let dir: string;
let cleanup: () => void;
let dataDir: string;
let keyFile: string;
let keys: KeySource;

beforeEach(async () => {
  ({ dir, cleanup, keyFile, dataDir, keys } = await keyFileNode());
});
afterEach(() => cleanup());

describe('cipher layout', () => {
  it('writes new stores as SQLCipher 4 pages, raw-keyed, with an HMAC-SHA256 that OpenSSL verifies', async () => {
    const store = await openStore(dataDir, keys);
    expect(cipherLayoutOf(store.db)).toBe(CURRENT_CIPHER_LAYOUT);
    const insert = store.db.prepare('INSERT INTO node_meta (key, value) VALUES (?, ?)');
    store.db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`k${i}`, 'v'.repeat(i % 500));
    })();
    store.db.pragma('wal_checkpoint(TRUNCATE)');
    store.close();
    expect(
      verifyPageHmacs(databasePath(dataDir), readKeyFile(keyFile), CURRENT_CIPHER_LAYOUT),
    ).toBeGreaterThan(100);
  });

  it('checkpoints by copying the encrypted WAL pages as they are; OpenSSL decrypts every page', async () => {
    const store = await openStore(dataDir, keys);
    const file = databasePath(dataDir);
    store.db.pragma('wal_autocheckpoint=0');
    const insert = store.db.prepare('INSERT INTO node_meta (key, value) VALUES (?, ?)');
    store.db.transaction(() => {
      for (let i = 0; i < 2000; i++) insert.run(`k${i}`, 'v'.repeat(i % 500));
    })();
    // The newest frame of each page: what the database file must hold after the checkpoint.
    const wal = readFileSync(`${file}-wal`);
    const frames = new Map<number, Buffer>();
    for (let at = 32; at + 24 + PAGE <= wal.length; at += 24 + PAGE) {
      frames.set(wal.readUInt32BE(at), wal.subarray(at + 24, at + 24 + PAGE));
    }
    expect(frames.size).toBeGreaterThan(100);
    // From a second connection, as the checkpoint thread does.
    const other = openEncrypted(file, { bytes: readKeyFile(keyFile) });
    const [result] = other.pragma('wal_checkpoint(PASSIVE)') as { log: number; checkpointed: number }[];
    expect(result?.checkpointed).toBe(result?.log);
    other.close();
    const copied = readFileSync(file);
    for (const [pgno, page] of frames) {
      expect(copied.subarray((pgno - 1) * PAGE, pgno * PAGE).equals(page), `page ${pgno}`).toBe(true);
    }
    store.close();
    verifyPageHmacs(file, readKeyFile(keyFile), CURRENT_CIPHER_LAYOUT);
    const decrypted = join(dir, 'decrypted.db');
    decryptWithOpenSsl(file, readKeyFile(keyFile), decrypted);
    const plain = new Database(decrypted, { readonly: true });
    expect(plain.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(plain.prepare("SELECT value FROM node_meta WHERE key = 'k499'").pluck().get()).toBe(
      'v'.repeat(499),
    );
    plain.close();
    const reopened = openEncrypted(file, { bytes: readKeyFile(keyFile) });
    expect(reopened.pragma('integrity_check', { simple: true })).toBe('ok');
    expect(reopened.prepare("SELECT count(*) FROM node_meta WHERE key LIKE 'k%'").pluck().get()).toBe(2000);
    reopened.close();
  });

  it('opens a store in the older SHA-512 layout, checkpoints it, and upgrades it at key rotation', async () => {
    const file = databasePath(dataDir);
    const before = readKeyFile(keyFile);
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
    writeOldLayoutStore(file, before);

    const db = openEncrypted(file, { bytes: before });
    expect(cipherLayoutOf(db)).toBe('sqlcipher4-hmac-sha512');
    // The checkpoint thread opens its own connection: it must take the writer's layout.
    const checkpointer = startCheckpointer({
      file,
      key: before,
      logger: createLogger({ level: 'silent' }),
      writer: db,
    });
    db.prepare('INSERT INTO t VALUES (?)').run('written in the old layout');
    await checkpointer.close();
    db.pragma('wal_checkpoint(TRUNCATE)');
    db.close();
    verifyPageHmacs(file, before, 'sqlcipher4-hmac-sha512');

    await rotateDatabaseKey(dataDir, keys);
    const after = readKeyFile(keyFile);
    const rotated = openEncrypted(file, { bytes: after });
    expect(cipherLayoutOf(rotated)).toBe(CURRENT_CIPHER_LAYOUT);
    expect(rotated.prepare('SELECT x FROM t ORDER BY rowid').pluck().all()).toEqual([
      'written before the current layout',
      'written in the old layout',
    ]);
    rotated.close();
    verifyPageHmacs(file, after, CURRENT_CIPHER_LAYOUT);
  });
});

describe('the cipher library build', () => {
  it('is compiled from the patched source (scripts/setup.sh applies patches/ before building)', () => {
    const require = createRequire(import.meta.url);
    const root = dirname(require.resolve('better-sqlite3-multiple-ciphers/package.json'));
    const source = join(root, 'deps', 'sqlite3', 'sqlite3.c');
    const text = readFileSync(source, 'latin1');
    expect(text).toContain('sha256_transf_shani');
    expect(text).toContain('sqlite3mcCheckpointCopyPage');
    expect(text).toContain('aesEncryptCBC4');
    expect(text).toContain('sha256_transf_shani_x2');
    const binary = join(root, 'build', 'Release', 'better_sqlite3.node');
    expect(statSync(binary).mtimeMs).toBeGreaterThanOrEqual(statSync(source).mtimeMs);
  });
});
