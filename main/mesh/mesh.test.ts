import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { agree, auditOf, enrol, expectedRows, seedWard, startMeshNode, type MeshTestNode } from './test-mesh';
import { storeSeries, syntheticWard } from '../deid/test-fixtures';
import { isColumnar } from './columnar';

/** Two real facilities on loopback: own data dirs, CAs and ports, talking mutual-TLS gRPC. */
describe('mesh between two nodes', () => {
  let north: MeshTestNode; // sends
  let south: MeshTestNode; // pulls

  beforeAll(async () => {
    north = await startMeshNode('North General', { meshPageSize: 500 });
    south = await startMeshNode('South Clinic');
    seedWard(north.node, 40, 100);
    enrol(north.node, south.node);
  }, 60_000);
  afterAll(async () => {
    await south?.cleanup();
    await north?.cleanup();
  });

  it('gives each node its own facility id, CA and node certificate at first start, audited', () => {
    const a = north.node.mesh.identity.current();
    const b = south.node.mesh.identity.current();
    expect(a.facilityId).not.toBe(b.facilityId);
    expect(a.ca.fingerprint).not.toBe(b.ca.fingerprint);
    expect(a.node.certPem).toContain('BEGIN CERTIFICATE');
    const rows = north.node.store.db
      .prepare(`SELECT count(*) AS n FROM mesh_certificates WHERE kind IN ('ca', 'node')`)
      .get() as { n: number };
    expect(rows.n).toBe(2);
    expect(auditOf(north.node, 'mesh.ca.created')).toHaveLength(1);
    expect(auditOf(north.node, 'mesh.certificate.issued')).toHaveLength(1);
  });

  it('pulls an agreed product: rows arrive de-identified and complete, cursor at the end', async () => {
    const a = agree(north.node, south.node);
    const northId = north.node.mesh.identity.facilityId();
    const catalog = await south.node.mesh.puller.catalog(northId);
    expect(catalog.map((p) => p.productId)).toEqual(['vitals-raw']);
    expect(catalog[0]!.columns.map((c) => c.name)).toContain('patient');

    const result = await south.node.mesh.puller.pull(northId, 'vitals-raw');
    expect(result.error).toBeUndefined();
    expect(result.ok).toBe(true);
    const expected = JSON.parse(JSON.stringify(await expectedRows(north.node, a))) as unknown[][];
    expect(expected.length).toBeGreaterThan(1000);
    expect(result.rows).toBe(expected.length);
    expect(south.node.mesh.puller.rows(northId, 'vitals-raw')).toEqual(expected);

    // No source identifier reached the receiving store: no MRN, name, or the sender's patient ids.
    const stored = south.node.store.db.prepare('SELECT rows_json FROM mesh_received_batches').all() as {
      rows_json: Buffer;
    }[];
    // The puller asked for the compact encoding, and every batch came in it.
    expect(stored.every((r) => isColumnar(r.rows_json))).toBe(true);
    const blobs = stored.map((r) => r.rows_json.toString('utf8')).join('\n');
    for (const p of syntheticWard(40)) {
      expect(blobs).not.toContain(p.mrn);
      expect(blobs).not.toContain(p.family);
      expect(blobs).not.toContain(p.birthDate);
    }
    const patientCol = catalog[0]!.columns.findIndex((c) => c.name === 'patient');
    const pseudonyms = new Set(expected.map((r) => r[patientCol]));
    for (const ps of pseudonyms) expect(String(ps)).toMatch(/^[0-9a-zA-Z_-]{8,}$/);

    // A second pull finds nothing new and stores nothing twice.
    const again = await south.node.mesh.puller.pull(northId, 'vitals-raw');
    expect(again).toMatchObject({ ok: true, batches: 0 });
    expect(south.node.mesh.puller.rows(northId, 'vitals-raw')).toHaveLength(expected.length);

    // Observations stored since: the next pull carries on from the cursor with just those.
    const db = north.node.store.db;
    const later = Date.parse('2024-03-02T08:00:00Z');
    for (let id = 1; id <= 40; id++) storeSeries(db, id, 'hr', later, 10, 60_000, (j) => 70 + j);
    const more = await south.node.mesh.puller.pull(northId, 'vitals-raw');
    expect(more.ok).toBe(true);
    expect(more.rows).toBeGreaterThan(0);
    expect(more.rows % 10).toBe(0);
    const all = JSON.parse(JSON.stringify(await expectedRows(north.node, a))) as unknown[][];
    expect(all.length).toBe(expected.length + more.rows);
    expect(south.node.mesh.puller.rows(northId, 'vitals-raw')).toEqual(all);

    // Both sides audited the batches with the same hashes.
    const sent = auditOf(north.node, 'mesh.batch.sent').map((e) => e.details.sha256);
    const received = auditOf(south.node, 'mesh.batch.received').map((e) => e.details.sha256);
    expect(sent.length).toBeGreaterThan(1);
    expect(new Set(received)).toEqual(new Set(sent));
  });
});

describe('mesh listener port', () => {
  it('a taken port is a clear startup error naming the address', async () => {
    const first = await startMeshNode('First');
    try {
      const port = first.node.mesh.port!;
      await expect(startMeshNode('Second', { meshPort: port })).rejects.toThrow(
        new RegExp(`the mesh listener could not start on 127\\.0\\.0\\.1:${port}`),
      );
    } finally {
      await first.cleanup();
    }
  });
});
