import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { tempDir } from '../testing/temp-dir';

const CLI = resolve(import.meta.dirname, '../../bin/vitalmesh');
export const PASSWORD = 'crash-test-password-1';

/** A facility as a real `vitalmesh start` process, so a test can kill it with SIGKILL. */
export class NodeProcess {
  child: ChildProcess | undefined;
  url = '';
  token = '';
  constructor(readonly env: NodeJS.ProcessEnv) {}

  async start(user = 'it'): Promise<void> {
    const child = spawn(CLI, ['start', '--no-demo'], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`node did not start: ${stderr}`)), 40_000);
      createInterface({ input: child.stdout }).on('line', (line) => {
        try {
          const e = JSON.parse(line) as { msg?: string; url?: string };
          if (e.msg === 'node ready' && e.url) {
            clearTimeout(timer);
            ok(e.url);
          }
        } catch {
          // not a log line
        }
      });
      child.once('exit', (code) => fail(new Error(`node exited ${code}: ${stderr}`)));
    });
    await this.login(user);
  }

  /** Logs in as another user; later calls are theirs. */
  async login(user: string): Promise<void> {
    const login = await this.call('auth.login', { username: user, password: PASSWORD });
    this.token = (login as { token: string }).token;
  }

  async call(method: string, input: unknown): Promise<Record<string, unknown>> {
    const r = await fetch(`${this.url}/api/${method}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', authorization: `Bearer ${this.token}` },
      body: JSON.stringify(input),
    });
    const body = (await r.json()) as {
      ok: boolean;
      value?: Record<string, unknown>;
      error?: { message: string };
    };
    if (!body.ok) throw new Error(`${method}: ${body.error?.message}`);
    return body.value!;
  }

  async kill(signal: NodeJS.Signals): Promise<void> {
    const child = this.child!;
    if (child.exitCode !== null) return;
    const exited = new Promise((r) => child.once('exit', r));
    child.kill(signal);
    await exited;
  }
}

/** A data dir with a key file and the given users (password PASSWORD), ready for `start`. */
export function prepareNodeDir(
  facilityName: string,
  users: readonly (readonly [string, string])[],
  meshPort = 0,
): { env: NodeJS.ProcessEnv; cleanup: () => void } {
  const dir = tempDir();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VITALMESH_DATA_DIR: join(dir.dir, 'data'),
    VITALMESH_KEY_SOURCE: 'file',
    VITALMESH_KEY_FILE: join(dir.dir, 'node.key'),
    VITALMESH_CONSOLE_PORT: '0',
    VITALMESH_MLLP_PORT: '0',
    VITALMESH_MESH_PORT: String(meshPort),
    VITALMESH_FACILITY_NAME: facilityName,
    VITALMESH_LOG_LEVEL: 'info',
    VITALMESH_FROM_SOURCE: '1',
  };
  const run = (args: string[], input?: string) =>
    spawnSync(CLI, args, { env, input, encoding: 'utf8', timeout: 60_000 });
  const init = run(['keys', 'init', '--key-file', env.VITALMESH_KEY_FILE!]);
  if (init.status !== 0) throw new Error(`keys init: ${init.stderr}`);
  for (const [username, role] of users) {
    const r = run(['users', 'add', '--username', username, '--role', role], `${PASSWORD}\n`);
    if (r.status !== 0) throw new Error(`users add: ${r.stderr}`);
  }
  return { env, cleanup: dir.cleanup };
}
