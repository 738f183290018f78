import { randomUUID } from 'node:crypto';
import type { AuditInput } from '../audit/chain';
import type { Db } from '../store/database';
import { createFacilityCa, issueNodeCertificate, type KeyedCertificate } from './pki';

/** The audit chain's append, taken by injection so the mesh doesn't own the audit. */
export type AuditAppend = (input: AuditInput) => unknown;

const DAY = 86_400_000;

export interface IdentityOptions {
  readonly db: Db;
  readonly facilityName: string;
  readonly hostNames: readonly string[];
  readonly audit: AuditAppend;
  /** Renew the node certificate when fewer than this many days remain. */
  readonly renewBeforeDays?: number;
  readonly nodeCertLifetimeDays?: number;
  readonly now?: () => number;
}

/** What TLS needs on this node: its CA and its current node certificate. */
export interface IdentitySnapshot {
  readonly facilityId: string;
  readonly ca: KeyedCertificate;
  readonly node: KeyedCertificate;
}

type CertRow = {
  cert_pem: string;
  key_pem: string;
  fingerprint: string;
  not_before: number;
  not_after: number;
};

const toKeyed = (r: CertRow): KeyedCertificate => ({
  certPem: r.cert_pem,
  keyPem: r.key_pem,
  fingerprint: r.fingerprint,
  notBefore: r.not_before,
  notAfter: r.not_after,
});

/**
 * This facility's identity: a facility id made once, a CA made at first start and a node
 * certificate renewed before it expires. Private keys stay in the encrypted store.
 */
export class MeshIdentity {
  private snapshot: IdentitySnapshot | undefined;
  private readonly listeners = new Set<(s: IdentitySnapshot) => void>();
  private readonly now: () => number;

  constructor(private readonly options: IdentityOptions) {
    this.now = options.now ?? Date.now;
  }

  /** The facility id, made on first use and kept with the data (node_meta). */
  facilityId(): string {
    const db = this.options.db;
    db.prepare(`INSERT OR IGNORE INTO node_meta (key, value) VALUES ('facility_id', ?)`).run(randomUUID());
    const row = db.prepare(`SELECT value FROM node_meta WHERE key = 'facility_id'`).get() as {
      value: string;
    };
    return row.value;
  }

  current(): IdentitySnapshot {
    if (!this.snapshot) throw new Error('mesh identity not loaded; call ensure() first');
    return this.snapshot;
  }

  onChange(listener: (s: IdentitySnapshot) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Loads the identity, creating the CA and node certificate or renewing the latter when due. */
  async ensure(): Promise<IdentitySnapshot> {
    const facilityId = this.facilityId();
    const now = this.now();
    let ca = this.latest('ca');
    if (!ca) {
      ca = await createFacilityCa(facilityId, this.options.facilityName, now);
      this.store('ca', ca);
      this.audit('mesh.ca.created', { fingerprint: ca.fingerprint, notAfter: ca.notAfter });
    }
    let node = this.latest('node');
    const renewBefore = (this.options.renewBeforeDays ?? 30) * DAY;
    if (!node || node.notAfter - now < renewBefore) {
      const previous = node;
      node = await issueNodeCertificate(
        ca,
        facilityId,
        this.options.hostNames,
        now,
        this.options.nodeCertLifetimeDays,
      );
      this.store('node', node);
      this.audit(previous ? 'mesh.certificate.renewed' : 'mesh.certificate.issued', {
        fingerprint: node.fingerprint,
        notAfter: new Date(node.notAfter).toISOString(),
        ...(previous ? { previousFingerprint: previous.fingerprint } : {}),
      });
    }
    const changed = this.snapshot?.node.fingerprint !== node.fingerprint;
    this.snapshot = { facilityId, ca, node };
    if (changed) for (const l of this.listeners) l(this.snapshot);
    return this.snapshot;
  }

  private latest(kind: 'ca' | 'node'): KeyedCertificate | undefined {
    const row = this.options.db
      .prepare(
        `SELECT cert_pem, key_pem, fingerprint, not_before, not_after FROM mesh_certificates
         WHERE kind = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(kind) as CertRow | undefined;
    return row && toKeyed(row);
  }

  private store(kind: 'ca' | 'node', c: KeyedCertificate): void {
    this.options.db
      .prepare(
        `INSERT INTO mesh_certificates (kind, cert_pem, key_pem, fingerprint, not_before, not_after, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(kind, c.certPem, c.keyPem, c.fingerprint, c.notBefore, c.notAfter, this.now());
  }

  private audit(action: string, details: Record<string, unknown>): void {
    this.options.audit({
      actor: 'system',
      host: 'mesh',
      action,
      target: `facility:${this.facilityId()}`,
      outcome: 'ok',
      details,
    });
  }
}
