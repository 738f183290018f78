import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { resolve } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { pcd01Message, simulatedBed } from '../../simulator/pcd01';
import { PatientVitals, seededRandom } from '../../simulator/vitals';
import type { VitalMeshNode } from '../../node';
import { startTestNode } from '../../testing/test-node';
import { msaOf, sendOneMllp } from './test-support';

/**
 * The HL7 ingest as the node composes it: its own listener, audit entries in the node's chain,
 * the demo's simulated beds, a clear refusal when the port is taken, and a clean close.
 */
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

const auditRows = (node: VitalMeshNode) =>
  node.store.db
    .prepare(
      "SELECT actor, host, action, target, outcome, details FROM audit_log WHERE host = 'mllp' ORDER BY seq",
    )
    .all() as {
    actor: string;
    host: string;
    action: string;
    target: string;
    outcome: string;
    details: string;
  }[];

const waitUntil = async (what: string, check: () => boolean, timeoutMs = 10_000) => {
  const until = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > until) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
};

describe('HL7 ingest in the node', () => {
  it('listens, stores, audits each connection and each rejection (not each acceptance), and counts', async () => {
    const started = await startTestNode();
    cleanup = started.cleanup;
    const { node } = started;
    const port = node.hl7?.listener.port ?? 0;
    expect(port).toBeGreaterThan(0);
    const bed = simulatedBed(0, seededRandom(3), 'ICU');
    const good = pcd01Message(bed, new PatientVitals(seededRandom(4)).next(), 'N1', Date.now());
    expect(msaOf(await sendOneMllp(port, good)).code).toBe('AA');
    const bad = 'MSH|^~\\&|MON|ICU|VM|F|20240101120000||ORU^R01|N2|P|2.6\rOBX|1|NM|150456^MDC||97';
    const nak = msaOf(await sendOneMllp(port, bad));
    expect(nak.code).toBe('AE');
    expect(nak.text).not.toBe('');

    expect(node.hl7?.ingest.counters).toMatchObject({ received: 2, accepted: 1, rejected: 1 });
    await waitUntil(
      'both disconnects audited',
      () => auditRows(node).filter((r) => r.action === 'ingest.hl7.disconnect').length === 2,
    );
    const rows = auditRows(node);
    expect(rows.map((r) => r.action).sort()).toEqual([
      'ingest.hl7.connect',
      'ingest.hl7.connect',
      'ingest.hl7.disconnect',
      'ingest.hl7.disconnect',
      'ingest.hl7.reject',
    ]);
    const reject = rows.find((r) => r.action === 'ingest.hl7.reject');
    expect(reject).toMatchObject({ outcome: 'AE', host: 'mllp' });
    expect(reject?.actor).toMatch(/^mllp:127\.0\.0\.1:\d+$/);
    // The chain stays whole with ingest appending to it.
    expect(node.access.audit.chain.verify().ok).toBe(true);
    // No patient data in the audit: the simulated patient's name and MRN appear nowhere.
    expect(JSON.stringify(rows)).not.toContain(bed.mrn);
    expect(JSON.stringify(rows)).not.toContain(bed.family);
  });

  it('refuses to start on a port already in use, naming it and the setting to change', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const taken = (blocker.address() as { port: number }).port;
    try {
      await expect(startTestNode({ mllpPort: taken })).rejects.toThrow(
        new RegExp(`MLLP port 127\\.0\\.0\\.1:${taken} is already in use.*--mllp-port`),
      );
    } finally {
      blocker.close();
    }
  });

  it('names a TLS file it cannot read instead of starting without TLS', async () => {
    await expect(
      startTestNode({
        mllpTls: {
          certFile: '/nonexistent/mllp.crt',
          keyFile: '/nonexistent/mllp.key',
          requireClientCert: false,
        },
      }),
    ).rejects.toThrow(
      /could not read the MLLP TLS certificate \/nonexistent\/mllp\.crt \(mllpTls in config\.json\)/,
    );
  });

  it('with the demo on, simulated beds in ICU and Ward 3 stream in; close stops them cleanly', async () => {
    const started = await startTestNode({ demo: true });
    cleanup = started.cleanup;
    const { node } = started;
    expect(node.demoBeds?.beds.length).toBe(8);
    const units = () =>
      (
        node.store.db.prepare('SELECT DISTINCT unit FROM patients ORDER BY unit').all() as { unit: string }[]
      ).map((r) => r.unit);
    await waitUntil('a message from every demo bed', () => (node.hl7?.ingest.counters.accepted ?? 0) >= 8);
    await waitUntil('both demo units', () => units().length === 2);
    expect(units()).toEqual(['ICU', 'Ward 3']);
    expect(node.hl7?.connections().length).toBe(8);
    await started.cleanup();
    cleanup = undefined;
    expect(node.demoBeds?.stats().rejected).toBe(0);
  });

  it('`vitalmesh simulate` streams beds into it and prints what was acknowledged', async () => {
    const started = await startTestNode();
    cleanup = started.cleanup;
    const { node } = started;
    const cli = resolve(import.meta.dirname, '../../../bin/vitalmesh');
    const args = ['simulate', '--beds', '3', '--rate', '20', '--messages', '4', '--units', 'ICU,Ward 3'];
    // spawnSync would block the node's event loop (same process): run it asynchronously.
    const result = await new Promise<{ status: number | null; stdout: string; stderr: string }>((done) => {
      const child = spawn(cli, [...args, '--port', String(node.hl7!.listener.port)], {
        env: { ...process.env, VITALMESH_FROM_SOURCE: '1' },
      });
      let stdout = '';
      let stderr = '';
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.once('exit', (status) => done({ status, stdout, stderr }));
    });
    expect(result.status, result.stderr).toBe(0);
    expect(result.stderr).toMatch(/simulating 3 beds \(ICU, Ward 3\) at 20\/s each/);
    expect(JSON.parse(result.stdout.trim().split('\n').at(-1) ?? '{}')).toMatchObject({
      sent: 12,
      acked: 12,
      rejected: 0,
    });
    expect(node.hl7?.ingest.counters.accepted).toBe(12);
  }, 60_000);
});
