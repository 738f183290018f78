import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { storePatient, storeSeries, syntheticWard } from '../deid/test-fixtures';
import type { AgreementVersion } from './agreements';
import {
  agree,
  asMultiset,
  auditOf,
  enrol,
  expectedAggregate,
  startMeshNode,
  type MeshTestNode,
} from './test-mesh';
import { DEFAULT_LATENESS_MS } from './windows';

const at = (hhmmss: string): number => Date.parse(`2024-03-01T${hhmmss}Z`);

/**
 * An aggregated product (vitals-1min) pulled periodically between two real nodes: only closed
 * buckets leave, so the bucket that was still filling at one pull arrives complete at a later one,
 * and the receiver ends up with exactly one release of the product — nothing lost, nothing twice.
 * The sender's clock is the test's, so which buckets are closed doesn't depend on the machine.
 */
describe('mesh: aggregated products over periodic pulls', () => {
  let north: MeshTestNode; // sends
  let south: MeshTestNode; // pulls
  let now = at('08:15:30');
  let a: AgreementVersion;
  let northId: string;
  const patients: number[] = [];

  /** Heart rates for every patient every 20 s in [from, to): each patient is in every window. */
  const ingest = (from: string, to: string) => {
    const start = at(from);
    const count = Math.ceil((at(to) - start) / 20_000);
    for (const [i, id] of patients.entries()) {
      storeSeries(north.node.store.db, id, 'hr', start, count, 20_000, (j) => 60 + ((i + j) % 40));
    }
  };
  const received = () => south.node.mesh.puller.rows(northId, 'vitals-1min');

  beforeAll(async () => {
    // Small pages: each window is several batches, so the window cursor is exercised inside one.
    north = await startMeshNode('North General', { meshPageSize: 60 }, { clock: () => now });
    south = await startMeshNode('South Clinic');
    for (const p of syntheticWard(40)) patients.push(storePatient(north.node.store.db, p));
    enrol(north.node, south.node);
    a = agree(north.node, south.node, { products: ['vitals-1min'], now });
    northId = north.node.mesh.identity.facilityId();
  }, 60_000);
  afterAll(async () => {
    await south?.cleanup();
    await north?.cleanup();
  });

  it('releases only closed buckets: the one still filling waits', async () => {
    ingest('08:00:00', '08:10:30'); // the 08:10 bucket has two of its three readings
    // Closed end = 08:15:30 − 5 min, down to the minute = 08:10: buckets 08:00 … 08:09 leave.
    expect(DEFAULT_LATENESS_MS).toBe(5 * 60_000);
    // Cut after two batches (as a dropped link would): the cursor stands inside the window…
    const cut = await south.node.mesh.puller.pull(northId, 'vitals-1min', 2);
    expect(cut).toMatchObject({ ok: true, batches: 2 });
    expect(cut.cursor).toMatch(/^agg1\.at\./);
    // …and the next pull resumes there, in the same window and snapshot.
    const r = await south.node.mesh.puller.pull(northId, 'vitals-1min');
    expect(r).toMatchObject({ ok: true });
    expect(r.batches).toBeGreaterThan(1);
    const expected = expectedAggregate(north.node, a, 'vitals-1min', at('08:10:00'));
    expect(expected.length).toBeGreaterThan(0);
    expect(asMultiset(received())).toEqual(asMultiset(expected));
    expect(r.cursor).toBe(`agg1.done.${at('08:10:00')}.${maxId()}`);
  });

  it('a later pull brings the completed last bucket and the new ones, each once', async () => {
    ingest('08:10:40', '08:14:00'); // completes 08:10, fills 08:11 … 08:13
    now = at('08:18:30'); // closed end 08:13: the 08:13 bucket is still open
    const r = await south.node.mesh.puller.pull(northId, 'vitals-1min');
    expect(r.ok).toBe(true);
    expect(r.rows).toBeGreaterThan(0);
    // Exactly one release of every bucket before 08:13 — the 08:10 bucket with all three readings.
    const expected = expectedAggregate(north.node, a, 'vitals-1min', at('08:13:00'));
    expect(asMultiset(received())).toEqual(asMultiset(expected));
    const counts = received().map((row) => row[columnIndex('value_count')] as number);
    expect(counts.every((c) => c === 3)).toBe(true);
    expect(counts.reduce((s, c) => s + c, 0)).toBe(patients.length * 13 * 3);
  });

  it('pulling again before another bucket closes sends nothing and keeps the cursor', async () => {
    const before = south.node.mesh.puller.subscription(northId, 'vitals-1min')!;
    const r = await south.node.mesh.puller.pull(northId, 'vitals-1min');
    expect(r).toMatchObject({ ok: true, batches: 0, rows: 0, cursor: before.cursor });
    expect(south.node.mesh.puller.subscription(northId, 'vitals-1min')!.cursor).toBe(before.cursor);
  });

  it('a reading stored after its bucket left is not sent twice or folded in: it is audited as late', async () => {
    ingest('08:14:00', '08:16:00');
    const expected = expectedAggregate(north.node, a, 'vitals-1min', at('08:16:00'));
    // One more reading for a bucket the peer already holds (08:05).
    storeSeries(north.node.store.db, patients[0]!, 'hr', at('08:05:10'), 1, 20_000, () => 99);
    now = at('08:21:59');
    const r = await south.node.mesh.puller.pull(northId, 'vitals-1min');
    expect(r.ok).toBe(true);
    expect(asMultiset(received())).toEqual(asMultiset(expected));
    const late = auditOf(north.node, 'mesh.rows.late');
    expect(late).toHaveLength(1);
    expect(late[0]).toMatchObject({ outcome: 'not-shared', details: { productId: 'vitals-1min', rows: 1 } });
    // Both sides audited every batch, with the same hashes.
    const sent = auditOf(north.node, 'mesh.batch.sent').map((e) => e.details.sha256);
    const got = auditOf(south.node, 'mesh.batch.received').map((e) => e.details.sha256);
    expect(got).toEqual(sent);
  });

  const maxId = () =>
    (north.node.store.db.prepare('SELECT max(id) AS m FROM observations').get() as { m: number }).m;
  const columnIndex = (name: string) => {
    const cols = south.node.mesh.puller.subscription(northId, 'vitals-1min')!.columns;
    expect(cols).toContain(name);
    return cols.indexOf(name);
  };
});
