import * as grpc from '@grpc/grpc-js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { unary } from './client';
import { MeshIdentity } from './identity';
import { KEEPALIVE_OPTIONS, MeshClientCtor } from './proto';
import { auditOf, enrol, startMeshNode, type MeshTestNode } from './test-mesh';

/** The node certificate is renewed before expiry, audited, and served at once by the listener. */
describe('node certificate renewal', () => {
  let north: MeshTestNode;
  let south: MeshTestNode;
  beforeAll(async () => {
    [north, south] = await Promise.all([startMeshNode('North'), startMeshNode('South')]);
    enrol(north.node, south.node);
  }, 60_000);
  afterAll(async () => {
    await Promise.all([north?.cleanup(), south?.cleanup()]);
  });

  /** The fingerprint of the certificate the listener presents now (through a fresh channel). */
  async function served(): Promise<string> {
    let seen = '';
    const s = south.node.mesh.identity.current();
    const creds = grpc.credentials.createSsl(
      Buffer.from(north.node.mesh.identity.current().ca.certPem),
      Buffer.from(s.node.keyPem),
      Buffer.from(s.node.certPem),
      {
        checkServerIdentity: (_h, cert) => {
          seen = cert.fingerprint256;
          return undefined;
        },
      },
    );
    const client = new MeshClientCtor(north.node.mesh.endpoint!, creds, { ...KEEPALIVE_OPTIONS });
    await unary(client, 'Health', {});
    client.close();
    return seen;
  }

  it('keeps a certificate with time left, renews one within 30 days of expiry, and serves the new one', async () => {
    const first = north.node.mesh.identity.current().node;
    expect(await served()).toBe(first.fingerprint);
    await north.node.mesh.renew();
    expect(north.node.mesh.identity.current().node.fingerprint).toBe(first.fingerprint);

    // A renewal window wider than the 90 days left: as if the certificate were about to expire
    // (moving the clock instead would issue a certificate that is not valid yet).
    const later = new MeshIdentity({
      db: north.node.store.db,
      facilityName: 'North',
      hostNames: ['127.0.0.1'],
      audit: (e) => north.node.access.audit.append(e),
      renewBeforeDays: 100,
    });
    const renewed = await later.ensure();
    expect(renewed.node.fingerprint).not.toBe(first.fingerprint);
    expect(auditOf(north.node, 'mesh.certificate.renewed').at(-1)?.details).toMatchObject({
      fingerprint: renewed.node.fingerprint,
      previousFingerprint: first.fingerprint,
    });

    // The running node's daily check loads it; the listener presents it without a restart.
    await north.node.mesh.renew();
    expect(north.node.mesh.identity.current().node.fingerprint).toBe(renewed.node.fingerprint);
    expect(await served()).toBe(renewed.node.fingerprint);
    await expect(south.node.mesh.puller.health(north.node.mesh.identity.facilityId())).resolves.toBeTruthy();
  });
});
