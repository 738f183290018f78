import { openSync, readdirSync, readSync, statSync, writeSync, closeSync, copyFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { createLogger } from '../log/logger';
import { BackupService } from './service';
import { ALERT_DEFAULTS } from '../config/operations';
import { createKeySource } from '../store/key-source';
import { openEncrypted } from '../store/database';
import { restoreDatabase, verifyBackup } from '../store/maintenance';
import { openStore } from '../store/store';
import { startTestNode } from '../testing/test-node';
import { keyFileNode } from '../testing/key-file-node';
import { tempDir } from '../testing/temp-dir';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

describe('scheduled backups', () => {
  it('writes verified backups into the folder, keeps the newest N, and one restores with its data', async () => {
    const { dir, cleanup: rmDir } = tempDir();
    const backupDir = join(dir, 'nas', 'vitalmesh');
    const started = await startTestNode({
      mllpEnabled: false,
      operations: {
        retentionScheduleHours: 0,
        backup: { dir: backupDir, intervalHours: 24, keep: 2 },
        alerts: { ...ALERT_DEFAULTS, webhookUrl: undefined },
        metrics: false,
      },
    });
    cleanup = async () => {
      await started.cleanup();
      rmDir();
    };
    const { node } = started;
    node.store.db.prepare("INSERT INTO node_meta (key, value) VALUES ('backup-marker', 'before')").run();
    const runs = [];
    for (let i = 0; i < 3; i++) {
      runs.push(await node.operations.backups.run('test'));
      await new Promise((r) => setTimeout(r, 5));
    }
    expect(runs.map((r) => r.outcome)).toEqual(['ok', 'ok', 'ok']);
    const files = readdirSync(backupDir).sort();
    // keep: 2 — the oldest went, the newest two stayed.
    expect(files).toHaveLength(2);
    expect(files.map((f) => join(backupDir, f))).toEqual(runs.slice(1).map((r) => r.file));
    expect(statSync(runs[2]!.file).mode & 0o777).toBe(0o600);
    const status = node.operations.backups.status();
    expect(status.lastSuccess?.id).toBe(runs[2]!.id);
    // Each run is audited once, with its file.
    const audited = node.store.db
      .prepare("SELECT count(*) AS n FROM audit_log WHERE action = 'backup.scheduled'")
      .get() as { n: number };
    expect(audited.n).toBe(3);

    // Change the live database after the backup, then restore: the backup's state comes back.
    node.store.db.prepare("UPDATE node_meta SET value = 'after' WHERE key = 'backup-marker'").run();
    const config = node.config;
    // Stopped, as a restore needs; the data dir and key stay.
    await node.close();
    const keys = await createKeySource(config);
    const key = await keys.load('database', { create: false });
    expect(verifyBackup(runs[2]!.file, key).schemaVersion).toBeGreaterThan(0);
    const { previous } = await restoreDatabase(config.dataDir, keys, runs[2]!.file);
    expect(previous).toBeDefined();
    const store = await openStore(config.dataDir, keys);
    try {
      const marker = store.db.prepare("SELECT value FROM node_meta WHERE key = 'backup-marker'").get() as {
        value: string;
      };
      expect(marker.value).toBe('before');
    } finally {
      store.close();
    }
  }, 60_000);

  it('detects a corrupted backup, a truncated one, and one made with another key', async () => {
    const { dir, cleanup: rmDir } = tempDir();
    const started = await startTestNode({
      mllpEnabled: false,
      operations: {
        retentionScheduleHours: 0,
        backup: { dir: join(dir, 'b'), intervalHours: 24, keep: 5 },
        alerts: { ...ALERT_DEFAULTS, webhookUrl: undefined },
        metrics: false,
      },
    });
    cleanup = async () => {
      await started.cleanup();
      rmDir();
    };
    const { node } = started;
    // Enough pages that a flipped page in the middle is a table or index page, not free space.
    const insert = node.store.db.prepare('INSERT INTO node_meta (key, value) VALUES (?, ?)');
    node.store.db.transaction(() => {
      for (let i = 0; i < 5000; i++) insert.run(`k${i}`, 'x'.repeat(200));
    })();
    const run = await node.operations.backups.run('test');
    const keys = await createKeySource(node.config);
    const key = await keys.load('database', { create: false });
    expect(() => verifyBackup(run.file, key)).not.toThrow();

    // One page in the middle overwritten: its HMAC no longer matches.
    const corrupted = join(dir, 'corrupted.db');
    copyFileSync(run.file, corrupted);
    const size = statSync(corrupted).size;
    const fd = openSync(corrupted, 'r+');
    const page = Buffer.alloc(4096);
    readSync(fd, page, 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    for (let i = 100; i < 200; i++) page[i] = page[i]! ^ 0xff;
    writeSync(fd, page, 0, 4096, Math.floor(size / 2 / 4096) * 4096);
    closeSync(fd);
    expect(() => verifyBackup(corrupted, key)).toThrow(/damaged|integrity|can't be opened/);

    const truncated = join(dir, 'truncated.db');
    copyFileSync(run.file, truncated);
    const tfd = openSync(truncated, 'r+');
    const { ftruncateSync } = await import('node:fs');
    ftruncateSync(tfd, Math.floor(size / 3));
    closeSync(tfd);
    expect(() => verifyBackup(truncated, key)).toThrow();

    expect(() => verifyBackup(run.file, Buffer.alloc(32, 7))).toThrow(/can't be opened with this node's key/);
    // The backup itself is encrypted: no SQLite header.
    const head = Buffer.alloc(16);
    const hfd = openSync(run.file, 'r');
    readSync(hfd, head, 0, 16, 0);
    closeSync(hfd);
    expect(head.toString('latin1')).not.toContain('SQLite format 3');
    // And the opened backup reads as a database with the node's schema.
    const db = openEncrypted(run.file, { bytes: key }, { readonly: true });
    expect(
      (db.prepare('SELECT count(*) AS n FROM node_meta').get() as { n: number }).n,
    ).toBeGreaterThanOrEqual(5000);
    db.close();
  }, 60_000);

  it('takes the first backup within a minute of start, then only when the interval has passed', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    const { dir, dataDir, keys, cleanup: rmDir } = await keyFileNode();
    const store = await openStore(dataDir, keys);
    let now = Date.now();
    const service = new BackupService({
      db: store.db,
      dataDir,
      keys,
      settings: { dir: join(dir, 'b'), intervalHours: 24, keep: 5 },
      audit: () => undefined,
      logger: createLogger({ level: 'silent' }),
      now: () => now,
    });
    cleanup = async () => {
      await service.close();
      store.close();
      vi.useRealTimers();
      rmDir();
    };
    const runs = () => service.status().recent.length;
    service.start();
    expect(runs()).toBe(0);
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() => expect(service.status().lastSuccess).not.toBeNull());
    // A day has not passed: the next checks take nothing.
    now += 3_600_000;
    await vi.advanceTimersByTimeAsync(120_000);
    expect(readdirSync(join(dir, 'b'))).toHaveLength(1);
    now += 24 * 3_600_000;
    await vi.advanceTimersByTimeAsync(60_000);
    await vi.waitFor(() => expect(readdirSync(join(dir, 'b'))).toHaveLength(2));
  });
});
