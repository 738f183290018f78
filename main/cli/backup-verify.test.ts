import { spawnSync } from 'node:child_process';
import { closeSync, copyFileSync, openSync, readFileSync, statSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { openEncrypted } from '../store/database';
import { autoVacuumMode } from '../store/maintenance';
import { CLI, cliEnv } from '../testing/cli';
import { tempDir } from '../testing/temp-dir';

let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  env = cliEnv(dir);
});
afterEach(() => cleanup());

const run = (args: string[], input?: string) =>
  spawnSync(CLI, args, { env, encoding: 'utf8', timeout: 60_000, input });

describe('vitalmesh backup verify', () => {
  it('passes a good backup, fails a damaged one with exit 1 and the reason; the audit chain stays whole', () => {
    expect(run(['keys', 'init', '--key-file', join(dir, 'node.key')]).status).toBe(0);
    // A node with something in it: the first account.
    const add = run(['users', 'add', '--username', 'it', '--role', 'it_admin'], 'a-long-password-1\n');
    expect(add.status, add.stderr).toBe(0);
    const good = join(dir, 'good.db');
    const made = run(['backup', good]);
    expect(made.status, made.stderr).toBe(0);
    const ok = run(['backup', 'verify', good]);
    expect(ok.status, ok.stderr).toBe(0);
    expect(ok.stdout).toMatch(/verified: opens with this node's key, integrity_check ok, schema \d+/);

    const bad = join(dir, 'bad.db');
    copyFileSync(good, bad);
    const fd = openSync(bad, 'r+');
    writeSync(fd, Buffer.alloc(512, 0xaa), 0, 512, Math.floor(statSync(bad).size / 2));
    closeSync(fd);
    const failed = run(['backup', 'verify', bad]);
    expect(failed.status).toBe(1);
    expect(failed.stderr).toMatch(
      /vitalmesh: backup .*bad\.db (is damaged|failed its integrity check|can't be opened)/,
    );

    const missing = run(['backup', 'verify']);
    expect(missing.status).toBe(1);
    expect(missing.stderr).toMatch(/backup verify needs the backup file/);

    const audit = run(['audit', 'verify']);
    expect(audit.status, audit.stderr).toBe(0);
  }, 90_000);
});

describe('vitalmesh store enable-incremental-vacuum', () => {
  it('converts a database made without incremental vacuum, keeping its data', () => {
    expect(run(['keys', 'init', '--key-file', join(dir, 'node.key')]).status).toBe(0);
    expect(
      run(['users', 'add', '--username', 'it', '--role', 'it_admin'], 'a-long-password-1\n').status,
    ).toBe(0);
    // Turn it into what an older VitalMesh made: auto_vacuum NONE.
    const key = Buffer.from(readFileSync(join(dir, 'node.key'), 'utf8').trim(), 'hex');
    const file = join(dir, 'data', 'vitalmesh.db');
    const old = openEncrypted(file, { bytes: key });
    old.pragma('auto_vacuum=NONE');
    old.exec('VACUUM');
    expect(autoVacuumMode(old)).toBe('none');
    old.close();

    const converted = run(['store', 'enable-incremental-vacuum']);
    expect(converted.status, converted.stderr).toBe(0);
    expect(converted.stdout).toMatch(/auto_vacuum was none, is now incremental/);
    const db = openEncrypted(file, { bytes: key }, { readonly: true });
    expect(autoVacuumMode(db)).toBe('incremental');
    expect(
      (db.prepare("SELECT count(*) AS n FROM users WHERE username = 'it'").get() as { n: number }).n,
    ).toBe(1);
    db.close();
    expect(run(['store', 'enable-incremental-vacuum']).stdout).toMatch(/already incremental/);
  }, 90_000);
});
