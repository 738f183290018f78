import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, describe, expect, it } from 'vitest';
import { openEncrypted } from '../../store/database';
import { startSimulator } from '../../simulator/simulator';
import { silentLogger } from './test-support';

const here = dirname(fileURLToPath(import.meta.url));
const dir = mkdtempSync(join(tmpdir(), 'vitalmesh-crash-'));
const file = join(dir, 'vitalmesh.db');
const key = randomBytes(32);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const freePort = () =>
  new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });

function startNode(port: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    ['--import', 'tsx', join(here, 'crash-child.ts'), file, String(port)],
    {
      env: { ...process.env, VITALMESH_TEST_KEY: key.toString('hex') },
      stdio: ['ignore', 'pipe', 'inherit'],
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout?.on('data', (d: Buffer) => {
      if (d.toString().includes('READY')) resolve(child);
    });
    child.once('exit', (code) => reject(new Error(`node exited early (${code})`)));
  });
}

const exited = (child: ChildProcess) => new Promise((r) => child.once('exit', r));

describe('crash safety', () => {
  it('after SIGKILL mid-stream, every AA message is in the store and resends are deduplicated', async () => {
    const port = await freePort();
    let node = await startNode(port);
    const acked = new Set<string>();
    const sim = startSimulator({
      port,
      beds: 8,
      ratePerBed: 100,
      ackTimeoutMs: 500,
      logger: silentLogger(),
      onAck: (_bed, id, code) => {
        if (code === 'AA') acked.add(id);
      },
    });
    await new Promise((r) => setTimeout(r, 1500));
    const beforeKill = acked.size;
    node.kill('SIGKILL');
    await exited(node);
    await new Promise((r) => setTimeout(r, 300));
    node = await startNode(port);
    await new Promise((r) => setTimeout(r, 1500));
    await sim.stop();
    node.kill('SIGTERM');
    await exited(node);

    expect(beforeKill).toBeGreaterThan(50);
    expect(acked.size).toBeGreaterThan(beforeKill);
    const db = openEncrypted(file, { bytes: key });
    try {
      const accepted = new Set(
        (
          db.prepare("SELECT control_id FROM hl7_messages WHERE outcome = 'accepted'").all() as {
            control_id: string;
          }[]
        ).map((r) => r.control_id),
      );
      const missing = [...acked].filter((id) => !accepted.has(id));
      expect(missing).toEqual([]);
      // Nothing stored twice: one accepted row per control id, observations only from those.
      expect(accepted.size).toBe(
        (
          db.prepare("SELECT count(*) AS n FROM hl7_messages WHERE outcome = 'accepted'").get() as {
            n: number;
          }
        ).n,
      );
      const { expected, stored } = db
        .prepare(
          `SELECT (SELECT sum(observation_count) FROM hl7_messages WHERE outcome = 'accepted') AS expected,
                  (SELECT count(*) FROM observations) AS stored`,
        )
        .get() as { expected: number; stored: number };
      expect(stored).toBe(expected);
      expect(sim.stats().resends).toBeGreaterThan(0);
    } finally {
      db.close();
    }
  }, 30_000);
});
