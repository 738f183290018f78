import { readFileSync, statSync } from 'node:fs';
import { afterEach, beforeEach, expect, it } from 'vitest';
import { createLogger } from '../log/logger';
import { keyFileNode } from '../testing/key-file-node';
import type { KeySource } from './key-source';
import { openStore } from './store';

const MARKER = 'MARKER-Checkpoint-Ophelia-9931';
const logger = createLogger({ level: 'silent' });

let cleanup: () => void;
let dataDir: string;
let keys: KeySource;

beforeEach(async () => {
  ({ cleanup, dataDir, keys } = await keyFileNode());
});
afterEach(() => cleanup());

it('checkpoints the WAL from its own thread, encrypted, while the writer never does', async () => {
  const store = await openStore(dataDir, keys);
  // The writer never checkpoints here, so whatever reaches the database file was copied by the
  // background thread.
  store.db.pragma('wal_autocheckpoint=0');
  const insert = store.db.prepare('INSERT INTO node_meta (key, value) VALUES (?, ?)');
  store.db.transaction(() => {
    for (let i = 0; i < 2000; i++) insert.run(`row-${i}`, `${MARKER}-${i}-${'x'.repeat(400)}`);
  })();
  const before = statSync(store.file).size;
  expect(statSync(`${store.file}-wal`).size).toBeGreaterThan(500_000);

  const checkpoints = store.startBackgroundCheckpoints(logger, 50);
  // While the thread runs, the writer's own checkpoint is only a distant backstop.
  expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBeGreaterThanOrEqual(50_000);
  await expect.poll(() => statSync(store.file).size, { timeout: 10_000 }).toBeGreaterThan(before + 500_000);
  // The writer goes on while the thread runs.
  insert.run('after', MARKER);
  await checkpoints.close();
  // The thread is gone: the writer checkpoints as it did before.
  expect(store.db.pragma('wal_autocheckpoint', { simple: true })).toBe(0);
  // Both files as they are while the node runs (the last close removes the WAL).
  for (const file of [store.file, `${store.file}-wal`]) {
    const bytes = readFileSync(file);
    expect(bytes.subarray(0, 16).toString('latin1')).not.toBe('SQLite format 3\0');
    expect(bytes.includes(Buffer.from(MARKER))).toBe(false);
  }
  store.close();

  const reopened = await openStore(dataDir, keys);
  expect(reopened.db.pragma('integrity_check', { simple: true })).toBe('ok');
  expect(
    reopened.db
      .prepare("SELECT count(*) FROM node_meta WHERE key LIKE 'row-%' OR key = 'after'")
      .pluck()
      .get(),
  ).toBe(2001);
  reopened.close();
});
