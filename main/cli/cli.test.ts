import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { tempDir } from '../testing/temp-dir';

const CLI = resolve(import.meta.dirname, '../../bin/vitalmesh');
let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  env = {
    ...process.env,
    VITALMESH_FROM_SOURCE: '1',
    VITALMESH_DATA_DIR: join(dir, 'data'),
    VITALMESH_KEY_SOURCE: 'file',
    VITALMESH_KEY_FILE: join(dir, 'node.key'),
    VITALMESH_CONSOLE_PORT: '0',
    VITALMESH_MLLP_PORT: '0',
  };
});
afterEach(() => cleanup());

const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  spawnSync(CLI, args, { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 });

/** Starts `vitalmesh start` and resolves with the console URL from its "node ready" line. */
async function startNode(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(CLI, ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await new Promise<string>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`exited ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg === 'node ready' && entry.url) ok(entry.url);
    });
  });
  return {
    url,
    stop: () =>
      new Promise((done) => {
        child.once('exit', () => done());
        child.kill('SIGTERM');
      }),
  };
}

describe('vitalmesh command', () => {
  it('makes an owner-only key file once and refuses to overwrite it', () => {
    const first = run(['keys', 'init', '--key-file', env.VITALMESH_KEY_FILE!]);
    expect(first.status).toBe(0);
    expect(statSync(env.VITALMESH_KEY_FILE!).mode & 0o777).toBe(0o600);
    const second = run(['keys', 'init', '--key-file', env.VITALMESH_KEY_FILE!]);
    expect(second.status).toBe(1);
    expect(second.stderr).toMatch(/already exists; refusing to overwrite/);
  });

  it('refuses to start without a key source, saying how to give one', () => {
    delete env.VITALMESH_KEY_SOURCE;
    const result = run(['start']);
    expect(result.status).toBe(1);
    expect(result.stderr).toMatch(/no key source is configured.*vitalmesh keys init/);
    expect(result.stderr).not.toMatch(/at .*\.ts:\d+/); // a message, not a stack trace
  });

  it('starts, logs "node ready" with the URL, backs up online, and refuses rotation while running', async () => {
    run(['keys', 'init', '--key-file', env.VITALMESH_KEY_FILE!]);
    const node = await startNode();
    try {
      const info = (await (
        await fetch(`${node.url}/api/node.info`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
        })
      ).json()) as { ok: boolean };
      expect(info.ok).toBe(true);
      const backupFile = join(dir, 'online.db');
      const backup = run(['backup', backupFile]);
      expect(backup.stdout + backup.stderr).toMatch(/backup written and verified/);
      expect(existsSync(backupFile)).toBe(true);
      const rotate = run(['keys', 'rotate']);
      expect(rotate.status).toBe(1);
      expect(rotate.stderr).toMatch(/in use by process .*stop it before rotating/);
    } finally {
      await node.stop();
    }
    const rotate = run(['keys', 'rotate']);
    expect(rotate.stdout).toMatch(/re-keyed the database/);
    // The backup was made with the old key: restoring it now is refused with the reason.
    const restore = run(['restore', join(dir, 'online.db')]);
    expect(restore.status).toBe(1);
    expect(restore.stderr).toMatch(/can't be opened with this node's key/);
  }, 60_000);
});
