import { spawn, spawnSync } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, cliEnv, readyUrl } from '../testing/cli';
import { tempDir } from '../testing/temp-dir';

let dir: string;
let cleanup: () => void;
let env: NodeJS.ProcessEnv;

beforeEach(() => {
  ({ dir, cleanup } = tempDir());
  env = cliEnv(dir);
});
afterEach(() => cleanup());

const run = (args: string[], extraEnv: NodeJS.ProcessEnv = {}) =>
  spawnSync(CLI, args, { env: { ...env, ...extraEnv }, encoding: 'utf8', timeout: 60_000 });

/** Starts `vitalmesh start` and resolves with the console URL from its "node ready" line. */
async function startNode(): Promise<{ url: string; stop: () => Promise<void> }> {
  const child = spawn(CLI, ['start'], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const url = await readyUrl(child);
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
