import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { agree, enrol, expectedRows, seedWard, startMeshNode, type MeshTestNode } from './test-mesh';
import type { AgreementVersion } from './agreements';

/** Waits until the receiver has committed at least `n` batches of the subscription. */
async function untilBatches(t: MeshTestNode, peer: string, n: number): Promise<void> {
  for (let i = 0; i < 5000; i++) {
    const s = t.node.mesh.puller.subscription(peer, 'vitals-raw');
    if (s && s.batchesReceived >= n) return;
    await new Promise((r) => setTimeout(r, 2));
  }
  throw new Error(`fewer than ${n} batches arrived`);
}

/** Stopping either node mid-transfer loses nothing and repeats nothing. */
describe('mesh resume after a node stops mid-transfer', () => {
  let north: MeshTestNode;
  let south: MeshTestNode;
  let northId: string;
  let agreement: AgreementVersion;
  let expected: unknown[][];

  beforeEach(async () => {
    [north, south] = await Promise.all([
      startMeshNode('North General', { meshPageSize: 100 }),
      startMeshNode('South Clinic'),
    ]);
    seedWard(north.node, 40, 500);
    enrol(north.node, south.node);
    northId = north.node.mesh.identity.facilityId();
    agreement = agree(north.node, south.node);
    expected = JSON.parse(JSON.stringify(await expectedRows(north.node, agreement))) as unknown[][];
    expect(expected.length).toBeGreaterThan(10_000);
  }, 60_000);
  afterEach(async () => {
    await Promise.all([south?.cleanup(), north?.cleanup()]);
  });

  const received = () => south.node.mesh.puller.rows(northId, 'vitals-raw');

  it('the receiving node stops mid-pull: after restart the data equals the product, once', async () => {
    const pulling = south.node.mesh.puller.pull(northId, 'vitals-raw');
    await untilBatches(south, northId, 5);
    await south.node.close();
    const cut = await pulling;
    expect(cut.ok).toBe(false);
    await south.restart();
    const before = south.node.mesh.puller.subscription(northId, 'vitals-raw')!;
    expect(before.batchesReceived).toBeGreaterThanOrEqual(5);
    expect(before.rowsReceived).toBeLessThan(expected.length);
    const rest = await south.node.mesh.puller.pull(northId, 'vitals-raw');
    expect(rest.error).toBeUndefined();
    expect(received()).toEqual(expected);
  });

  it('the sending node stops mid-stream: after its restart the data equals the product, once', async () => {
    const pulling = south.node.mesh.puller.pull(northId, 'vitals-raw');
    await untilBatches(south, northId, 5);
    await north.node.close();
    const cut = await pulling;
    expect(cut.ok).toBe(false);
    expect(cut.error).toMatch(/UNAVAILABLE|CANCELLED|INTERNAL/);
    const part = south.node.mesh.puller.subscription(northId, 'vitals-raw')!;
    expect(part.rowsReceived).toBeLessThan(expected.length);
    await north.restart();
    const rest = await south.node.mesh.puller.pull(northId, 'vitals-raw');
    expect(rest.error).toBeUndefined();
    expect(received()).toEqual(expected);
    const counts = south.node.store.db
      .prepare('SELECT count(*) AS n, count(DISTINCT cursor_from) AS d FROM mesh_received_batches')
      .get() as { n: number; d: number };
    expect(counts.n).toBe(counts.d);
  });
});
