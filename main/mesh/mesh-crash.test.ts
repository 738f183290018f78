import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { createKeySource } from '../store/key-source';
import { openStore } from '../store/store';
import { NodeProcess, prepareNodeDir } from './test-process';
import { storedRows } from './puller';
import { agree, expectedRows, seedWard, startMeshNode, type MeshTestNode } from './test-mesh';

/** The receiving node is killed (SIGKILL) mid-pull: after restart the data equals the product, once. */
describe('receiver killed mid-pull', () => {
  let north: MeshTestNode;
  let receiver: NodeProcess;
  let cleanupDir: () => void;

  beforeAll(async () => {
    const prepared = prepareNodeDir('South Clinic', [['it', 'it_admin']]);
    cleanupDir = prepared.cleanup;
    receiver = new NodeProcess(prepared.env);
    [north] = await Promise.all([startMeshNode('North General', { meshPageSize: 100 }), receiver.start()]);
    seedWard(north.node, 40, 500);
  }, 120_000);
  afterAll(async () => {
    await receiver?.kill('SIGTERM');
    await north?.cleanup();
    cleanupDir?.();
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
    const expected = JSON.parse(JSON.stringify(await expectedRows(north.node, agreement))) as unknown[][];
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
      const rows = blobs.flatMap((b) => storedRows(b.rows_json));
      expect(rows).toEqual(expected);
      expect(new Set(blobs.map((b) => b.cursor_from)).size).toBe(blobs.length);
    } finally {
      store.close();
    }
  });
});
