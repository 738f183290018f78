import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeGrpcError, meshClient, pullStream, unary } from './client';
import { createFacilityCa, issueNodeCertificate } from './pki';
import { KEEPALIVE_OPTIONS, MeshClientCtor } from './proto';
import { agree, auditOf, enrol, seedWard, startMeshNode, type MeshTestNode } from './test-mesh';

/** Everything the sender must refuse, each on real sockets between real nodes. */
describe('mesh refusals', () => {
  let north: MeshTestNode; // sends
  let south: MeshTestNode; // has an agreement
  let east: MeshTestNode; // enrolled, no agreement (until the expiry test gives it a short one)
  let northId: string;

  beforeAll(async () => {
    [north, south, east] = await Promise.all([
      startMeshNode('North General', { meshPageSize: 200 }),
      startMeshNode('South Clinic'),
      startMeshNode('East Hospital'),
    ]);
    seedWard(north.node, 40, 100);
    enrol(north.node, south.node);
    enrol(north.node, east.node);
    northId = north.node.mesh.identity.facilityId();
  }, 60_000);
  afterAll(async () => {
    await Promise.all([south?.cleanup(), east?.cleanup(), north?.cleanup()]);
  });

  const northPeerAt = (t: MeshTestNode) => t.node.mesh.peers.require(northId);

  it('refuses a client without a certificate at the TLS handshake', async () => {
    const creds = grpc.credentials.createSsl(Buffer.from(north.node.mesh.identity.current().ca.certPem));
    const client = new MeshClientCtor(north.node.mesh.endpoint!, creds, { ...KEEPALIVE_OPTIONS });
    await expect(unary(client, 'Health', {})).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    client.close();
    await expect
      .poll(
        () => auditOf(north.node, 'mesh.connection').filter((e) => e.details.rpc === 'TLS handshake').length,
      )
      .toBeGreaterThan(0);
    expect(
      auditOf(north.node, 'mesh.connection').find((e) => e.details.rpc === 'TLS handshake'),
    ).toMatchObject({
      outcome: 'refused',
      actor: 'peer:unknown',
    });
  });

  it('refuses a certificate from an unknown CA, even one claiming an enrolled facility id', async () => {
    const southId = south.node.mesh.identity.facilityId();
    const rogueCa = await createFacilityCa(southId, 'Rogue');
    const rogueNode = await issueNodeCertificate(rogueCa, southId, []);
    const client = meshClient(northPeerAt(south), {
      facilityId: southId,
      ca: rogueCa,
      node: rogueNode,
    });
    await expect(unary(client, 'Health', {})).rejects.toMatchObject({ code: grpc.status.UNAVAILABLE });
    client.close();
    // The real south certificate still works on the same listener.
    await expect(south.node.mesh.puller.health(northId)).resolves.toMatchObject({ facilityId: northId });
  });

  it('refuses a valid peer without an agreement, with the reason, audited on the sender', async () => {
    expect(await east.node.mesh.puller.catalog(northId)).toEqual([]);
    const r = await east.node.mesh.puller.pull(northId, 'vitals-raw');
    expect(r.ok).toBe(false);
    expect(r.error).toMatch(/PERMISSION_DENIED: no agreement covers product vitals-raw/);
    const eastId = east.node.mesh.identity.facilityId();
    expect(auditOf(north.node, 'mesh.pull').filter((e) => e.outcome === 'refused')).toContainEqual(
      expect.objectContaining({ actor: `peer:${eastId}` }),
    );
    expect(east.node.mesh.puller.subscription(northId, 'vitals-raw')).toMatchObject({
      cursor: '',
      failures: 1,
    });
  });

  it('refuses a suspended peer at once and accepts it again when resumed', async () => {
    const eastId = east.node.mesh.identity.facilityId();
    await east.node.mesh.puller.health(northId); // an open connection from before the suspension
    north.node.mesh.peers.setSuspended(eastId, true);
    await expect(east.node.mesh.puller.health(northId)).rejects.toSatisfy((e: unknown) =>
      /UNAVAILABLE|PERMISSION_DENIED/.test(describeGrpcError(e)),
    );
    north.node.mesh.peers.setSuspended(eastId, false);
    await expect(east.node.mesh.puller.health(northId)).resolves.toMatchObject({ facilityId: northId });
  });

  it('refuses an expired agreement', async () => {
    agree(north.node, east.node, { products: ['vitals-1min'], expiresInMs: 1500 });
    expect((await east.node.mesh.puller.catalog(northId)).map((p) => p.productId)).toEqual(['vitals-1min']);
    await new Promise((r) => setTimeout(r, 1600));
    expect(await east.node.mesh.puller.catalog(northId)).toEqual([]);
    const r = await east.node.mesh.puller.pull(northId, 'vitals-1min');
    expect(r.error).toMatch(/PERMISSION_DENIED: agreement .* is expired/);
  });

  it('ends a stream within one batch when the agreement is revoked mid-stream', async () => {
    const a = agree(north.node, south.node);
    const client = meshClient(northPeerAt(south), south.node.mesh.identity.current());
    const call = pullStream(client, { productId: 'vitals-raw', cursor: '', maxBatches: 0 });
    let received = 0;
    let afterRevoke = 0;
    const status = await new Promise<grpc.StatusObject | grpc.ServiceError>((resolve) => {
      call.on('data', () => {
        received++;
        if (received === 2) north.node.mesh.agreements.revoke(a.id, 'co1', 'consent withdrawn');
        else if (received > 2) afterRevoke++;
      });
      call.on('error', resolve);
      call.on('end', () =>
        resolve({ code: grpc.status.OK, details: 'ended', metadata: new grpc.Metadata() }),
      );
    });
    client.close();
    expect(status.code).toBe(grpc.status.PERMISSION_DENIED);
    expect(status.details).toMatch(/revoked/);
    // The sender audits where the revoked stream stood.
    const stopped = auditOf(north.node, 'mesh.pull').filter((e) => e.outcome === 'stopped');
    expect(String(stopped.at(-1)?.details.reason)).toMatch(/revoked/);
    expect(afterRevoke).toBeLessThanOrEqual(1);
    // 4000 rows in 200-row batches: the stream would have carried 20.
    expect(received).toBeLessThan(5);
  });

  it('refuses a batch whose hash does not match, storing nothing and keeping the cursor', async () => {
    const a2 = agree(north.node, south.node); // a fresh agreement after the revocation
    expect(a2.effectiveState).toBe('active');
    // A sender that alters one row after hashing: a real mTLS server with north's identity.
    const id = north.node.mesh.identity.current();
    const plan = await north.node.mesh.sender.plan(a2, 'vitals-raw', undefined);
    const server = new grpc.Server();
    server.addService(MeshClientCtor.service, {
      Pull: (call: grpc.ServerWritableStream<unknown, unknown>) => {
        const first = north.node.mesh.sender.batches(plan).next();
        if (first.done) throw new Error('no batch');
        const wire = north.node.mesh.sender.toWire(a2, plan, '', first.value);
        const text = wire.rows.toString('utf8').replace(/\d(?=[,\]])/, (d) => String((Number(d) + 1) % 10));
        call.write({ ...wire, rows: Buffer.from(text) });
        call.end();
      },
    });
    const creds = grpc.ServerCredentials.createSsl(
      Buffer.from(south.node.mesh.identity.current().ca.certPem),
      [{ private_key: Buffer.from(id.node.keyPem), cert_chain: Buffer.from(id.node.certPem) }],
      true,
    );
    const port = await new Promise<number>((res, rej) =>
      server.bindAsync('127.0.0.1:0', creds, (e, p) => (e ? rej(e) : res(p))),
    );
    const southDb = south.node.store.db;
    const before = southDb.prepare('SELECT count(*) AS n FROM mesh_received_batches').get() as { n: number };
    southDb
      .prepare('UPDATE mesh_peers SET endpoint = ? WHERE facility_id = ?')
      .run(`127.0.0.1:${port}`, northId);
    south.node.mesh.puller.dropClients();
    try {
      const r = await south.node.mesh.puller.pull(northId, 'vitals-raw');
      expect(r.ok).toBe(false);
      expect(r.error).toMatch(/hash mismatch/);
      expect(southDb.prepare('SELECT count(*) AS n FROM mesh_received_batches').get()).toEqual(before);
      expect(south.node.mesh.puller.subscription(northId, 'vitals-raw')?.cursor).toBe('');
      expect(auditOf(south.node, 'mesh.pull').at(-1)).toMatchObject({ outcome: 'failed' });
    } finally {
      server.forceShutdown();
      southDb
        .prepare('UPDATE mesh_peers SET endpoint = ? WHERE facility_id = ?')
        .run(north.node.mesh.endpoint, northId);
      south.node.mesh.puller.dropClients();
    }
  });
  it('applies a newly approved version of the agreement from the next batch of an open stream', async () => {
    for (const a of north.node.mesh.agreements.list()) {
      if (a.state !== 'revoked') north.node.mesh.agreements.revoke(a.id, 'co1', 'test reset');
    }
    const a = agree(north.node, south.node);
    const client = meshClient(northPeerAt(south), south.node.mesh.identity.current());
    const call = pullStream(client, { productId: 'vitals-raw', cursor: '', maxBatches: 6 });
    const seen: { version: number; cursorFrom: string; cursorTo: string; times: number[] }[] = [];
    await new Promise<void>((resolve, reject) => {
      call.on(
        'data',
        (b: {
          agreementVersion: number;
          columns: string[];
          rows: Buffer;
          cursorFrom: string;
          cursorTo: string;
        }) => {
          const t = b.columns.indexOf('time');
          const rows = JSON.parse(b.rows.toString('utf8')) as number[][];
          seen.push({
            version: b.agreementVersion,
            cursorFrom: b.cursorFrom,
            cursorTo: b.cursorTo,
            times: rows.map((r) => r[t]!),
          });
          if (seen.length === 2) {
            const v2 = north.node.mesh.agreements.revise(a.id, { deidProfile: 'safe-harbor-year' }, 'it1');
            north.node.mesh.agreements.approve(a.id, v2.version, 'co1');
          }
        },
      );
      call.on('end', resolve);
      call.on('error', reject);
    });
    client.close();
    expect(seen.length).toBe(6);
    expect(seen.slice(0, 2).every((b) => b.version === 1)).toBe(true);
    // At most the batch already in flight went out under v1; everything after is v2, year-truncated.
    const v2 = seen.filter((b) => b.version === 2);
    expect(v2.length).toBeGreaterThanOrEqual(3);
    for (const b of v2)
      for (const t of b.times) expect(new Date(t).toISOString()).toMatch(/-01-01T00:00:00.000Z$/);
    // The cursor chain is unbroken across the change.
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.cursorFrom).toBe(seen[i - 1]!.cursorTo);
  });
});
