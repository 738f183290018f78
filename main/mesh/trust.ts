import { X509Certificate } from 'node:crypto';
import type { experimental } from '@grpc/grpc-js';
import type { Peer, PeerStore } from './peers';
import { facilityIdsFromSan } from './pki';
import type { IdentitySnapshot } from './identity';

type Provider = experimental.CertificateProvider;
type CaListener = Parameters<Provider['addCaCertificateListener']>[0];
type IdListener = Parameters<Provider['addIdentityCertificateListener']>[0];

/**
 * The server's TLS material, pushed whenever it changes: the node certificate (renewal) and the
 * CAs it trusts for client certificates (a peer confirmed, suspended or removed), so trust moves
 * without restarting the listener. One object serves as both providers: grpc-js 1.14.7's
 * createCertificateProviderServerCredentials passes its two providers to the constructor in the
 * opposite order of its parameter names, and one object makes that harmless.
 */
export class MeshTrustProvider implements Provider {
  private ca: Buffer;
  private identity: { certificate: Buffer; privateKey: Buffer };
  private readonly caListeners = new Set<CaListener>();
  private readonly idListeners = new Set<IdListener>();

  constructor(snapshot: IdentitySnapshot, peers: readonly Peer[]) {
    this.identity = identityOf(snapshot);
    this.ca = caBundle(snapshot, peers);
  }

  setIdentity(snapshot: IdentitySnapshot): void {
    this.identity = identityOf(snapshot);
    for (const l of this.idListeners) l(this.identity);
  }

  setTrusted(snapshot: IdentitySnapshot, peers: readonly Peer[]): void {
    this.ca = caBundle(snapshot, peers);
    for (const l of this.caListeners) l({ caCertificate: this.ca });
  }

  addCaCertificateListener(listener: CaListener): void {
    this.caListeners.add(listener);
    listener({ caCertificate: this.ca });
  }
  removeCaCertificateListener(listener: CaListener): void {
    this.caListeners.delete(listener);
  }
  addIdentityCertificateListener(listener: IdListener): void {
    this.idListeners.add(listener);
    listener(this.identity);
  }
  removeIdentityCertificateListener(listener: IdListener): void {
    this.idListeners.delete(listener);
  }
}

const identityOf = (s: IdentitySnapshot) => ({
  certificate: Buffer.from(s.node.certPem),
  privateKey: Buffer.from(s.node.keyPem),
});

/**
 * Active peers' CAs. The own CA is always in the bundle because TLS needs at least one CA; a
 * certificate it issued is this node's own, and the per-call check refuses it (not a peer).
 */
function caBundle(s: IdentitySnapshot, peers: readonly Peer[]): Buffer {
  const active = peers.filter((p) => p.status === 'active').map((p) => p.caPem.trim());
  return Buffer.from([s.ca.certPem.trim(), ...active].join('\n') + '\n');
}

export type CallerCheck = { ok: true; peer: Peer } | { ok: false; facilityId: string | null; reason: string };

/**
 * Who is calling, from the certificate TLS verified — never from the request. TLS has already
 * checked the chain against the bundle; this re-checks against the store on every call, so a peer
 * suspended or removed a moment ago is refused even on a connection opened before.
 */
export function checkCaller(
  cert: { raw?: Buffer; subjectaltname?: string } | undefined,
  peers: PeerStore,
): CallerCheck {
  if (!cert?.raw) return { ok: false, facilityId: null, reason: 'no client certificate' };
  const ids = facilityIdsFromSan(cert.subjectaltname);
  if (ids.length !== 1) {
    return { ok: false, facilityId: null, reason: 'the client certificate names no single facility' };
  }
  const facilityId = ids[0]!;
  const peer = peers.get(facilityId);
  if (!peer) return { ok: false, facilityId, reason: `facility ${facilityId} is not an enrolled peer` };
  if (peer.status !== 'active')
    return { ok: false, facilityId, reason: `peer ${facilityId} is ${peer.status}` };
  if (!issuedBy(cert.raw, peer.caPem)) {
    return {
      ok: false,
      facilityId,
      reason: `the certificate was not issued by the enrolled CA of ${facilityId}`,
    };
  }
  return { ok: true, peer };
}

/** Signed by this CA and within its validity now. */
export function issuedBy(der: Buffer, caPem: string): boolean {
  try {
    const cert = new X509Certificate(der);
    const ca = new X509Certificate(caPem);
    const now = Date.now();
    return (
      cert.checkIssued(ca) &&
      cert.verify(ca.publicKey) &&
      Date.parse(cert.validFrom) <= now &&
      now < Date.parse(cert.validTo)
    );
  } catch {
    return false;
  }
}
