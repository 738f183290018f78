import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { storePatient, storeSeries, syntheticWard } from '../deid/test-fixtures';
import { ProfileStore } from '../deid/profile-store';
import { ProductCatalog } from '../products/catalog';
import { createKeySource } from '../store/key-source';
import { ensureDataDir, openStore, type Store } from '../store/store';
import { AgreementStore } from './agreements';
import { MeshSender } from './sender';
import { NodeProcess, prepareNodeDir } from './test-process';
import { startMeshNode, type MeshTestNode } from './test-mesh';

async function openItsStore(env: NodeJS.ProcessEnv): Promise<Store> {
  const config = loadConfig({}, env);
  ensureDataDir(config.dataDir);
  return openStore(config.dataDir, await createKeySource(config));
}

/** The sending node is killed (SIGKILL) mid-stream: after its restart the data equals the product, once. */
describe('sender killed mid-stream', () => {
  let sender: NodeProcess;
  let south: MeshTestNode;
  let env: NodeJS.ProcessEnv;
  let cleanupDir: () => void;

  beforeAll(async () => {
    const prepared = prepareNodeDir('North General', [
      ['it', 'it_admin'],
      ['co', 'compliance_officer'],
    ]);
    ({ env, cleanup: cleanupDir } = prepared);
    // 200,000 observations: 40 batches of 5,000, time enough to be cut mid-stream.
    const store = await openItsStore(env);
    const t0 = Date.parse('2024-03-01T00:00:00Z');
    for (const [i, p] of syntheticWard(40).entries()) {
      storeSeries(store.db, storePatient(store.db, p), 'hr', t0 + i, 5000, 5000, (j) => 60 + ((i + j) % 40));
    }
    store.close();
    sender = new NodeProcess(env);
    [south] = await Promise.all([startMeshNode('South Clinic'), sender.start()]);
  }, 180_000);
  afterAll(async () => {
    await sender?.kill('SIGTERM');
    await south?.cleanup();
    cleanupDir?.();
  });

  it('resumes at the receiver’s last committed cursor: nothing lost, nothing twice', async () => {
    const s = south.node.mesh;
    const north = (await sender.call('mesh.identity', {})) as {
      facilityId: string;
      bundle: string;
      caFingerprint: string;
      endpoint: string;
    };
    s.peers.import(north.bundle, s.identity.facilityId(), 'it1');
    s.peers.confirm(north.facilityId, north.caFingerprint, 'it1');
    const { fingerprint, ...ours } = s.bundle();
    await sender.call('peers.import', { bundle: JSON.stringify(ours) });
    await sender.call('peers.confirm', { facilityId: s.identity.facilityId(), fingerprint });
    const draft = await sender.call('agreements.draft', {
      peerFacilityId: s.identity.facilityId(),
      products: [{ productId: 'vitals-raw', versionPolicy: 'latest' }],
      purpose: 'crash test study',
      deidProfile: 'safe-harbor',
      k: 2,
      startsAt: Date.now() - 1000,
      expiresAt: Date.now() + 86_400_000,
    });
    await sender.login('co');
    await sender.call('agreements.approve', { id: draft.id, version: 1 });

    const pulling = s.puller.pull(north.facilityId, 'vitals-raw');
    for (let i = 0; i < 10_000; i++) {
      if ((s.puller.subscription(north.facilityId, 'vitals-raw')?.batchesReceived ?? 0) >= 5) break;
      await new Promise((r) => setTimeout(r, 2));
    }
    await sender.kill('SIGKILL');
    const cut = await pulling;
    expect(cut.ok).toBe(false);
    const part = s.puller.subscription(north.facilityId, 'vitals-raw')!;
    expect(part.batchesReceived).toBeGreaterThanOrEqual(5);

    // Same data dir, same port: the endpoint South enrolled.
    sender.env.VITALMESH_MESH_PORT = north.endpoint.split(':').at(-1);
    await sender.start();
    const rest = await s.puller.pull(north.facilityId, 'vitals-raw');
    expect(rest.error).toBeUndefined();
    expect(part.rowsReceived + rest.rows).toBe(
      s.puller.subscription(north.facilityId, 'vitals-raw')!.rowsReceived,
    );
    await sender.kill('SIGTERM');

    // What the sender's pipeline releases under this agreement, computed from its own store.
    const store = await openItsStore(env);
    try {
      const agreements = new AgreementStore(store.db);
      const mesh = new MeshSender({
        db: store.db,
        catalog: new ProductCatalog(store.db),
        profiles: new ProfileStore(store.db),
        agreements,
      });
      const a = agreements.get(draft.id as string);
      const expected: unknown[][] = [];
      for (const b of mesh.batches(await mesh.plan(a, 'vitals-raw', undefined))) expected.push(...b.rows);
      expect(expected.length).toBeGreaterThan(100_000);
      expect(s.puller.rows(north.facilityId, 'vitals-raw')).toEqual(JSON.parse(JSON.stringify(expected)));
    } finally {
      store.close();
    }
  });
});
