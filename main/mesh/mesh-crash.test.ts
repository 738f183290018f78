import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { createKeySource } from '../store/key-source';
import { openStore } from '../store/store';
import { tempDir } from '../testing/temp-dir';
import { agree, expectedRows, seedWard, startMeshNode, type MeshTestNode } from './test-mesh';

const CLI = resolve(import.meta.dirname, '../../bin/vitalmesh');
const PASSWORD = 'crash-test-password-1';

/** The receiving facility as a real `vitalmesh start` process, so it can be killed with SIGKILL. */
class ReceiverProcess {
  child: ChildProcess | undefined;
  url = '';
  token = '';
  constructor(readonly env: NodeJS.ProcessEnv) {}

  async start(): Promise<void> {
    const child = spawn(CLI, ['start', '--mesh-port', '0', '--no-demo'], {
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    this.child = child;
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    this.url = await new Promise<string>((ok, fail) => {
      const timer = setTimeout(() => fail(new Error(`receiver did not start: ${stderr}`)), 40_000);
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
      child.once('exit', (code) => fail(new Error(`receiver exited ${code}: ${stderr}`)));
    });
    const login = await this.call('auth.login', { username: 'it', password: PASSWORD });
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

/** The receiving node is killed (SIGKILL) mid-pull: after restart the data equals the product, once. */
describe('receiver killed mid-pull', () => {
  let north: MeshTestNode;
  let receiver: ReceiverProcess;
  let dir: { dir: string; cleanup: () => void };

  beforeAll(async () => {
    dir = tempDir();
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      VITALMESH_DATA_DIR: join(dir.dir, 'data'),
      VITALMESH_KEY_SOURCE: 'file',
      VITALMESH_KEY_FILE: join(dir.dir, 'node.key'),
      VITALMESH_CONSOLE_PORT: '0',
      VITALMESH_MLLP_PORT: '0',
      VITALMESH_FACILITY_NAME: 'South Clinic',
      VITALMESH_LOG_LEVEL: 'info',
      VITALMESH_FROM_SOURCE: '1',
    };
    const run = (args: string[], input?: string) =>
      spawnSync(CLI, args, { env, input, encoding: 'utf8', timeout: 60_000 });
    expect(run(['keys', 'init', '--key-file', env.VITALMESH_KEY_FILE!]).status).toBe(0);
    expect(run(['users', 'add', '--username', 'it', '--role', 'it_admin'], `${PASSWORD}\n`).status).toBe(0);
    receiver = new ReceiverProcess(env);
    [north] = await Promise.all([startMeshNode('North General', { meshPageSize: 100 }), receiver.start()]);
    seedWard(north.node, 40, 500);
  }, 120_000);
  afterAll(async () => {
    await receiver?.kill('SIGTERM');
    await north?.cleanup();
    dir?.cleanup();
  });

  it('resumes at the last committed batch: nothing lost, nothing twice', async () => {
    const n = north.node.mesh;
    const { bundle: southBundle, caFingerprint } = (await receiver.call('mesh.identity', {})) as {
      bundle: string;
      caFingerprint: string;
    };
    const southPeer = n.peers.import(southBundle, n.identity.facilityId(), 'it1');
    n.peers.confirm(southPeer.facilityId, caFingerprint, 'it1');
    const { fingerprint, ...ours } = n.bundle();
    await receiver.call('peers.import', { bundle: JSON.stringify(ours) });
    await receiver.call('peers.confirm', { facilityId: n.identity.facilityId(), fingerprint });
    const agreement = agree(north.node, {
      mesh: { identity: { facilityId: () => southPeer.facilityId } },
    } as never);
    const expected = JSON.parse(JSON.stringify(expectedRows(north.node, agreement))) as unknown[][];
    const target = { facilityId: n.identity.facilityId(), productId: 'vitals-raw' };
    await receiver.call('received.subscribe', target);

    // Pull, and kill the receiver once a handful of batches have gone out.
    const sent = () =>
      (
        north.node.store.db
          .prepare(`SELECT count(*) AS c FROM audit_log WHERE action = 'mesh.batch.sent'`)
          .get() as { c: number }
      ).c;
    const pulling = receiver.call('received.pull', target).catch((e: unknown) => e);
    for (let i = 0; i < 5000 && sent() < 8; i++) await new Promise((r) => setTimeout(r, 2));
    await receiver.kill('SIGKILL');
    expect(await pulling).toBeInstanceOf(Error);
    expect(sent()).toBeLessThan(expected.length / 100);

    await receiver.start();
    const before = (await receiver.call('received.list', {})) as {
      subscriptions: { rowsReceived: number }[];
    };
    expect(before.subscriptions[0]!.rowsReceived).toBeLessThan(expected.length);
    const rest = await receiver.call('received.pull', target);
    expect(rest).toMatchObject({ ok: true });
    await receiver.kill('SIGTERM');

    // Read what the receiver stored, from its encrypted file.
    const config = loadConfig({}, receiver.env);
    const store = await openStore(config.dataDir, await createKeySource(config));
    try {
      const blobs = store.db
        .prepare('SELECT rows_json, cursor_from FROM mesh_received_batches ORDER BY id')
        .all() as { rows_json: Buffer; cursor_from: string }[];
      const rows = blobs.flatMap((b) => JSON.parse(b.rows_json.toString('utf8')) as unknown[][]);
      expect(rows).toEqual(expected);
      expect(new Set(blobs.map((b) => b.cursor_from)).size).toBe(blobs.length);
    } finally {
      store.close();
    }
  });
});
