import { randomUUID } from 'node:crypto';
import type { AuditInput } from '../audit/chain';
import type { Db } from '../store/database';
import {
  CaKeyUnavailable,
  KEYCHAIN_MARKER,
  STORE_PLACEMENT,
  keyInKeychain,
  type CaKeyPlacement,
} from './ca-key';
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
  /** Where the CA private key may be kept (default: the encrypted store). */
  readonly caKey?: CaKeyPlacement;
}

/** The CA as TLS and enrolment see it: its certificate, never its private key. */
export type CaCertificate = Omit<KeyedCertificate, 'keyPem'>;

/** What TLS needs on this node: its CA and its current node certificate. */
export interface IdentitySnapshot {
  readonly facilityId: string;
  readonly ca: CaCertificate;
  readonly node: KeyedCertificate;
}

/** Where the CA key is now, and why not where it was asked to be (if so). */
export interface CaKeyStatus {
  readonly location: 'store' | 'keychain';
  readonly note: string | undefined;
}

type CertRow = {
  id: number;
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
 * certificate renewed before it expires. Private keys stay in the encrypted store; the CA key may
 * instead live in the OS keychain (ca-key.ts), read only when a node certificate is issued.
 */
export class MeshIdentity {
  private snapshot: IdentitySnapshot | undefined;
  private readonly listeners = new Set<(s: IdentitySnapshot) => void>();
  private readonly now: () => number;
  /** Why the last renewal could not use the CA key, while the current certificate carries on. */
  private caKeyProblem: string | undefined;

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
    let ca: KeyedCertificate;
    const stored = this.latest('ca');
    if (!stored) {
      const created = await createFacilityCa(facilityId, this.options.facilityName, now);
      ca = { ...created, keyPem: await this.keepCaKey(created.keyPem) };
      this.store('ca', ca);
      this.audit('mesh.ca.created', {
        fingerprint: ca.fingerprint,
        notAfter: ca.notAfter,
        keyLocation: keyInKeychain(ca.keyPem) ? 'keychain' : 'store',
      });
    } else {
      ca = await this.placeCaKey(stored);
    }
    let node: KeyedCertificate | undefined = this.latest('node');
    const renewBefore = (this.options.renewBeforeDays ?? 30) * DAY;
    this.caKeyProblem = undefined;
    if (!node || node.notAfter - now < renewBefore) {
      const previous = node;
      let caKeyPem: string;
      try {
        caKeyPem = await this.caKeyPem(ca, previous);
      } catch (error) {
        // The CA key is out of reach (keychain locked or gone): a node certificate still valid
        // carries on, loudly; there is nothing to run on without one.
        if (!(error instanceof CaKeyUnavailable) || !previous || previous.notAfter <= now) throw error;
        this.caKeyProblem = error.message;
        this.options.audit({
          actor: 'system',
          host: 'mesh',
          action: 'mesh.certificate.renewed',
          target: `facility:${facilityId}`,
          outcome: 'failed',
          details: { reason: error.message, currentNotAfter: new Date(previous.notAfter).toISOString() },
        });
        return this.publish(facilityId, ca, previous);
      }
      node = await issueNodeCertificate(
        { ...ca, keyPem: caKeyPem },
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
    return this.publish(facilityId, ca, node);
  }

  private publish(facilityId: string, ca: KeyedCertificate, node: KeyedCertificate): IdentitySnapshot {
    const changed = this.snapshot?.node.fingerprint !== node.fingerprint;
    const { keyPem: _caKey, ...caCertificate } = ca;
    this.snapshot = { facilityId, ca: caCertificate, node };
    if (changed) for (const l of this.listeners) l(this.snapshot);
    return this.snapshot;
  }

  /** Where the CA key is, and why it isn't where the configuration asked (when so). */
  caKeyStatus(): CaKeyStatus {
    const ca = this.latest('ca');
    return {
      location: ca && keyInKeychain(ca.keyPem) ? 'keychain' : 'store',
      note: this.caKeyProblem ?? this.placement().unavailable,
    };
  }

  private placement(): CaKeyPlacement {
    return this.options.caKey ?? STORE_PLACEMENT;
  }

  /** A new CA key goes to the keychain when it is wanted and there; the store keeps a pointer. */
  private async keepCaKey(pem: string): Promise<string> {
    const { wanted, keychain } = this.placement();
    if (wanted !== 'keychain' || !keychain) return pem;
    await keychain.set(pem);
    if ((await keychain.get()) !== pem)
      throw new CaKeyUnavailable(`${keychain.describe()} did not keep the CA key`);
    return `${KEYCHAIN_MARKER}${keychain.describe()}`;
  }

  /** Moves an existing CA key to where it is wanted now (both ways), when the keychain is there. */
  private async placeCaKey(ca: KeyedCertificate & { id: number }): Promise<KeyedCertificate> {
    const { wanted, keychain } = this.placement();
    if (!keychain) return ca;
    const inKeychain = keyInKeychain(ca.keyPem);
    if (wanted === 'keychain' && !inKeychain) {
      const marker = await this.keepCaKey(ca.keyPem);
      this.setCaKey(ca.id, marker);
      this.audit('mesh.ca.key.moved', {
        fingerprint: ca.fingerprint,
        to: 'keychain',
        where: keychain.describe(),
      });
      return { ...ca, keyPem: marker };
    }
    if (wanted === 'store' && inKeychain) {
      const pem = await keychain.get();
      if (!pem) return ca; // not there (another node's?): leave the pointer; issuing will say so
      this.setCaKey(ca.id, pem);
      await keychain.remove();
      this.audit('mesh.ca.key.moved', {
        fingerprint: ca.fingerprint,
        to: 'store',
        where: keychain.describe(),
      });
      return { ...ca, keyPem: pem };
    }
    return ca;
  }

  /** The CA private key, for issuing a node certificate: from the store or the keychain. */
  private async caKeyPem(ca: KeyedCertificate, current: KeyedCertificate | undefined): Promise<string> {
    if (!keyInKeychain(ca.keyPem)) return ca.keyPem;
    const { keychain, unavailable } = this.placement();
    const pem = keychain ? await keychain.get() : null;
    if (pem) return pem;
    const where = ca.keyPem.slice(KEYCHAIN_MARKER.length);
    throw new CaKeyUnavailable(
      `the facility CA's private key is kept in the ${where}, which ` +
        (keychain ? 'does not hold it' : `this node can't reach${unavailable ? ` (${unavailable})` : ''}`) +
        `, so no node certificate can be ${current ? 'renewed' : 'issued'}` +
        (current ? ` (the current one expires ${new Date(current.notAfter).toISOString()})` : '') +
        '. Start the node with --key-source keychain and an unlocked keychain.',
    );
  }

  private setCaKey(id: number, keyPem: string): void {
    this.options.db.prepare(`UPDATE mesh_certificates SET key_pem = ? WHERE id = ?`).run(keyPem, id);
  }

  private latest(kind: 'ca' | 'node'): (KeyedCertificate & { id: number }) | undefined {
    const row = this.options.db
      .prepare(
        `SELECT id, cert_pem, key_pem, fingerprint, not_before, not_after FROM mesh_certificates
         WHERE kind = ? ORDER BY id DESC LIMIT 1`,
      )
      .get(kind) as CertRow | undefined;
    return row && { ...toKeyed(row), id: row.id };
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
