import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agree, auditOf, enrol, expectedRows, seedWard, startMeshNode, type MeshTestNode } from './test-mesh';

/**
 * An agreement whose expiry passes while a pull is streaming. The sender's clock is the test's:
 * it jumps past the expiry once the receiver has committed a few batches, so the test doesn't race
 * a real deadline on a loaded machine. The sender checks the agreement before every batch, so no
 * batch is sent after the jump, the stream ends PERMISSION_DENIED naming the expiry, and both
 * nodes audit it; what was committed stays, once.
 */
describe('mesh: an agreement expiring mid-stream', () => {
  let north: MeshTestNode; // sends, on the test's clock
  let south: MeshTestNode; // pulls
  let now = Date.now();

  beforeAll(async () => {
    // 40 × 200 rows in 20-row batches: 400 batches, far more than the stream carries before expiry.
    north = await startMeshNode('North General', { meshPageSize: 20 }, { clock: () => now });
    south = await startMeshNode('South Clinic');
    seedWard(north.node, 40, 200);
    enrol(north.node, south.node);
  }, 60_000);
  afterAll(async () => {
    await south?.cleanup();
    await north?.cleanup();
  });

  it('ends the stream within one batch with a clear status, audited on both nodes', async () => {
    const a = agree(north.node, south.node, { now, expiresInMs: 3_600_000 });
    const northId = north.node.mesh.identity.facilityId();
    const sentCount = () => auditOf(north.node, 'mesh.batch.sent').length;
    const receivedCount = () =>
      south.node.mesh.puller.subscription(northId, 'vitals-raw')?.batchesReceived ?? 0;

    let sentAtExpiry = -1;
    const watch = setInterval(() => {
      if (sentAtExpiry < 0 && receivedCount() >= 3) {
        now = a.expiresAt; // the expiry instant: the agreement is no longer in force
        sentAtExpiry = sentCount();
      }
    }, 1);
    const result = await south.node.mesh.puller
      .pull(northId, 'vitals-raw')
      .finally(() => clearInterval(watch));

    expect(sentAtExpiry).toBeGreaterThanOrEqual(3);
    expect(result.ok).toBe(false);
    expect(result.error).toMatch(new RegExp(`PERMISSION_DENIED: agreement ${a.id} v${a.version} is expired`));
    // Not one batch was authorised after the expiry: what was in flight then is all that came.
    expect(sentCount()).toBe(sentAtExpiry);
    expect(result.batches).toBe(sentAtExpiry);
    expect(result.batches).toBeLessThan(400);

    // Sender: the stream stopped, with the reason and where it stood.
    const stopped = auditOf(north.node, 'mesh.pull').filter((e) => e.outcome === 'stopped');
    expect(stopped).toHaveLength(1);
    expect(stopped[0]!.details.productId).toBe('vitals-raw');
    expect(String(stopped[0]!.details.reason)).toMatch(/is expired/);
    // Receiver: the pull failed with the sender's status, and its subscription says so.
    const failed = auditOf(south.node, 'mesh.pull').filter((e) => e.outcome === 'failed');
    expect(failed).toHaveLength(1);
    expect(failed[0]!.details).toMatchObject({ productId: 'vitals-raw', batches: sentAtExpiry });
    expect(String(failed[0]!.details.reason)).toMatch(/PERMISSION_DENIED: .*is expired/);
    const sub = south.node.mesh.puller.subscription(northId, 'vitals-raw')!;
    expect(sub.lastError).toMatch(/expired/);
    expect(sub.cursor).toBe(stopped[0]!.details.cursor);

    // What was committed is a prefix of the release, exactly once.
    const rows = south.node.mesh.puller.rows(northId, 'vitals-raw');
    expect(rows).toEqual((await expectedRows(north.node, a)).slice(0, rows.length));
    expect(rows.length).toBe(sub.rowsReceived);

    // And a new pull is refused before any batch.
    const again = await south.node.mesh.puller.pull(northId, 'vitals-raw');
    expect(again).toMatchObject({ ok: false, batches: 0 });
    expect(again.error).toMatch(/expired/);
  });
});
