import { createHash } from 'node:crypto';
import { chmodSync, existsSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { initKeyFile } from '../cli/keys';
import { keyFileNode } from '../testing/key-file-node';
import { CURRENT_CIPHER_LAYOUT, keyingPragmas, openEncrypted } from './database';
import { KeySourceError, NewerSchemaError, StoreError, WrongKeyError } from './errors';
import { newKey, writeKeyFile } from './key-file';
import { createKeySource, type KeySource } from './key-source';
import { backupDatabase, restoreDatabase, rotateDatabaseKey, verifyBackup } from './maintenance';
import { LATEST_SCHEMA_VERSION } from './migrate';
import { databasePath, openStore } from './store';

const MARKER = 'MARKER-Zebulon-Quackenbush-4417';
const sha = (file: string) => createHash('sha256').update(readFileSync(file)).digest('hex');

let dir: string;
let cleanup: () => void;
let keyFile: string;
let dataDir: string;
let keys: KeySource;

beforeEach(async () => {
  ({ dir, cleanup, keyFile, dataDir, keys } = await keyFileNode());
});
afterEach(() => cleanup());

/** Writes a row holding the marker and returns once it is committed. */
async function storeWithMarker(): Promise<void> {
  const store = await openStore(dataDir, keys);
  store.db.prepare('INSERT INTO node_meta (key, value) VALUES (?, ?)').run('marker', MARKER);
  store.close();
}

function assertEncryptedOnDisk(file: string): void {
  const bytes = readFileSync(file);
  expect(bytes.length).toBeGreaterThan(0);
  expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
  expect(bytes.includes(Buffer.from(MARKER))).toBe(false);
  expect(bytes.includes(Buffer.from(MARKER, 'utf16le'))).toBe(false);
}

describe('encrypted store', () => {
  it('creates an owner-only encrypted database at the latest schema', async () => {
    const store = await openStore(dataDir, keys);
    expect(store.schemaVersion()).toBe(LATEST_SCHEMA_VERSION);
    expect(statSync(store.file).mode & 0o777).toBe(0o600);
    expect(statSync(dataDir).mode & 0o777).toBe(0o700);
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    expect(store.db.pragma('foreign_keys', { simple: true })).toBe(1);
    store.close();
  });

  it('keeps the marker out of the database, its WAL and every backup', async () => {
    const store = await openStore(dataDir, keys);
    store.db.prepare('INSERT INTO node_meta (key, value) VALUES (?, ?)').run('marker', MARKER);
    // While open, the row lives in the WAL: check it before a checkpoint folds it in.
    const wal = `${store.file}-wal`;
    expect(existsSync(wal)).toBe(true);
    expect(statSync(wal).mode & 0o777).toBe(0o600);
    assertEncryptedOnDisk(wal);
    store.close();
    assertEncryptedOnDisk(databasePath(dataDir));

    const backupFile = join(dir, 'backup.db');
    await backupDatabase(dataDir, keys, backupFile);
    assertEncryptedOnDisk(backupFile);
    expect(statSync(backupFile).mode & 0o777).toBe(0o600);
    // Nothing else was left in the backup folder (no plaintext staging file).
    expect(readdirSync(dir).filter((f) => f.includes('backup'))).toEqual(['backup.db']);
  });

  it('refuses a wrong key with a clear error and leaves the file untouched', async () => {
    await storeWithMarker();
    const file = databasePath(dataDir);
    const before = sha(file);
    const otherKey = join(dir, 'other.key');
    initKeyFile(otherKey);
    const wrong = await createKeySource({ keySource: 'file', keyFile: otherKey, dataDir });
    await expect(openStore(dataDir, wrong)).rejects.toThrow(WrongKeyError);
    await expect(openStore(dataDir, wrong)).rejects.toThrow(/wrong key/);
    expect(sha(file)).toBe(before);
    // The right key still opens it, with the data intact.
    const store = await openStore(dataDir, keys);
    expect(store.db.prepare(`SELECT value FROM node_meta WHERE key='marker'`).get()).toEqual({
      value: MARKER,
    });
    store.close();
  });

  it('refuses to start without a key source and says how to give one', async () => {
    await expect(createKeySource({ keySource: undefined, dataDir })).rejects.toThrow(KeySourceError);
    await expect(createKeySource({ keySource: undefined, dataDir })).rejects.toThrow(
      /--key-source file --key-file/,
    );
    await expect(createKeySource({ keySource: 'file', dataDir })).rejects.toThrow(/keys init --key-file/);
    await expect(createKeySource({ keySource: 'passphrase', dataDir })).rejects.toThrow(
      /VITALMESH_PASSPHRASE/,
    );
    expect(existsSync(dataDir)).toBe(false);
  });

  it('refuses a key file others can read, a missing one and a malformed one', async () => {
    await storeWithMarker();
    const before = sha(databasePath(dataDir));
    chmodSync(keyFile, 0o644);
    await expect(openStore(dataDir, keys)).rejects.toThrow(/readable by group or others.*chmod 600/);
    chmodSync(keyFile, 0o600);

    const missing = await createKeySource({ keySource: 'file', keyFile: join(dir, 'nope.key'), dataDir });
    await expect(openStore(dataDir, missing)).rejects.toThrow(/does not exist.*keys init/);

    const bad = join(dir, 'bad.key');
    writeFileSync(bad, 'not-hex\n', { mode: 0o600 });
    const malformed = await createKeySource({ keySource: 'file', keyFile: bad, dataDir });
    await expect(openStore(dataDir, malformed)).rejects.toThrow(/64 hexadecimal characters/);

    chmodSync(keyFile, 0o000);
    // Root reads anything; only check unreadability where permissions bind.
    if (process.getuid?.() !== 0) await expect(openStore(dataDir, keys)).rejects.toThrow(/can't be read/);
    chmodSync(keyFile, 0o600);
    expect(sha(databasePath(dataDir))).toBe(before);
  });

  it('refuses a database from a newer VitalMesh without changing it', async () => {
    await storeWithMarker();
    const file = databasePath(dataDir);
    const key = await keys.load('database', { create: false });
    const db = openEncrypted(file, { bytes: key });
    db.pragma(`user_version=${LATEST_SCHEMA_VERSION + 10}`);
    db.pragma('journal_mode=DELETE');
    db.close();
    const before = sha(file);
    await expect(openStore(dataDir, keys)).rejects.toThrow(NewerSchemaError);
    await expect(openStore(dataDir, keys)).rejects.toThrow(/newer than this VitalMesh knows/);
    expect(sha(file)).toBe(before);
  });

  it('passphrase keys open the same database again and nothing else', async () => {
    const a = await createKeySource({
      keySource: 'passphrase',
      passphrase: 'correct horse battery',
      dataDir,
    });
    const store = await openStore(dataDir, a);
    store.close();
    const again = await createKeySource({
      keySource: 'passphrase',
      passphrase: 'correct horse battery',
      dataDir,
    });
    (await openStore(dataDir, again)).close();
    const wrong = await createKeySource({
      keySource: 'passphrase',
      passphrase: 'incorrect horse battery',
      dataDir,
    });
    await expect(openStore(dataDir, wrong)).rejects.toThrow(WrongKeyError);
  });
});

describe('key rotation', () => {
  it('re-keys in place: the new key opens, the old does not, data is kept', async () => {
    await storeWithMarker();
    const oldKey = await keys.load('database', { create: false });
    await rotateDatabaseKey(dataDir, keys);
    const newKeyBytes = await keys.load('database', { create: false });
    expect(newKeyBytes.equals(oldKey)).toBe(false);
    expect(() => openEncrypted(databasePath(dataDir), { bytes: oldKey }, { readonly: true })).toThrow(
      WrongKeyError,
    );
    const store = await openStore(dataDir, keys);
    expect(store.db.prepare(`SELECT value FROM node_meta WHERE key='marker'`).get()).toEqual({
      value: MARKER,
    });
    expect(store.db.pragma('journal_mode', { simple: true })).toBe('wal');
    store.close();
    assertEncryptedOnDisk(databasePath(dataDir));
    expect(existsSync(`${keyFile}.pending`)).toBe(false);
  });

  it('finishes a rotation interrupted after the re-key but before the key was committed', async () => {
    await storeWithMarker();
    const file = databasePath(dataDir);
    const key = await keys.load('database', { create: false });
    // Simulate the crash: the staged key is written and the file re-keyed, the commit never ran.
    const staged = newKey();
    writeKeyFile(`${keyFile}.pending`, staged);
    const db = openEncrypted(file, { bytes: key });
    db.pragma('journal_mode=DELETE');
    for (const pragma of keyingPragmas(CURRENT_CIPHER_LAYOUT, staged, 'rekey')) db.pragma(pragma);
    db.close();
    const store = await openStore(dataDir, keys);
    expect(store.db.prepare(`SELECT value FROM node_meta WHERE key='marker'`).get()).toEqual({
      value: MARKER,
    });
    store.close();
    expect((await keys.load('database', { create: false })).equals(staged)).toBe(true);
  });
});

describe('backup and restore', () => {
  it('restores a verified backup and keeps the replaced database', async () => {
    await storeWithMarker();
    const backupFile = join(dir, 'nightly.db');
    const report = await backupDatabase(dataDir, keys, backupFile);
    expect(report.schemaVersion).toBe(LATEST_SCHEMA_VERSION);
    // Change the live database after the backup, then restore.
    const store = await openStore(dataDir, keys);
    store.db.prepare(`UPDATE node_meta SET value='changed' WHERE key='marker'`).run();
    store.close();
    const { previous } = await restoreDatabase(dataDir, keys, backupFile);
    const restored = await openStore(dataDir, keys);
    expect(restored.db.prepare(`SELECT value FROM node_meta WHERE key='marker'`).get()).toEqual({
      value: MARKER,
    });
    restored.close();
    expect(previous && existsSync(previous)).toBe(true);
  });

  it('refuses a corrupt backup and changes nothing', async () => {
    await storeWithMarker();
    const backupFile = join(dir, 'nightly.db');
    await backupDatabase(dataDir, keys, backupFile);
    const bytes = readFileSync(backupFile);
    bytes.fill(0x42, 8192, 12288); // damage one page past the header
    writeFileSync(backupFile, bytes);
    const key = await keys.load('database', { create: false });
    expect(() => verifyBackup(backupFile, key)).toThrow(StoreError);
    const file = databasePath(dataDir);
    const before = sha(file);
    await expect(restoreDatabase(dataDir, keys, backupFile)).rejects.toThrow(
      /backup .* (damaged|integrity|can't be opened)/,
    );
    expect(sha(file)).toBe(before);
    expect(readdirSync(dataDir).some((f) => f.includes('restoring') || f.includes('before-restore'))).toBe(
      false,
    );
  });

  it('refuses a backup from a newer schema, and one that is not a database', async () => {
    await storeWithMarker();
    const key = await keys.load('database', { create: false });
    const newer = join(dir, 'newer.db');
    await backupDatabase(dataDir, keys, newer);
    const db = openEncrypted(newer, { bytes: key }, { wal: false });
    db.pragma(`user_version=${LATEST_SCHEMA_VERSION + 1}`);
    db.close();
    await expect(restoreDatabase(dataDir, keys, newer)).rejects.toThrow(/newer than this VitalMesh knows/);
    const junk = join(dir, 'junk.db');
    writeFileSync(junk, 'hello, I am not a database');
    await expect(restoreDatabase(dataDir, keys, junk)).rejects.toThrow(/can't be opened/);
    await expect(backupDatabase(dataDir, keys, junk)).rejects.toThrow(/already exists/);
  });
});
