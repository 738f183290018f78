import { randomBytes, randomUUID } from 'node:crypto';
import { ApiError } from '../../shared/api/errors';
import type { Db } from '../store/database';

/** A product named by an agreement: follow its latest version, or stay on one. */
export interface AgreementProduct {
  readonly productId: string;
  readonly versionPolicy: 'latest' | 'pinned';
  readonly version?: string | undefined;
}

export type StoredState = 'draft' | 'approved' | 'revoked' | 'superseded';
/** What the state means now: an approved version is active between its start and its expiry. */
export type EffectiveState = 'draft' | 'approved' | 'active' | 'expired' | 'revoked' | 'superseded';

export interface AgreementTerms {
  readonly peerFacilityId: string;
  readonly products: readonly AgreementProduct[];
  readonly purpose: string;
  readonly deidProfile: string;
  readonly k: number;
  readonly startsAt: number;
  readonly expiresAt: number;
}

export interface AgreementVersion extends AgreementTerms {
  readonly id: string;
  readonly version: number;
  readonly state: StoredState;
  readonly effectiveState: EffectiveState;
  readonly createdBy: string;
  readonly createdAt: number;
  readonly approvedBy: string | null;
  readonly approvedAt: number | null;
  readonly revokedBy: string | null;
  readonly revokedAt: number | null;
  readonly revokeReason: string | null;
}

type Row = {
  id: string;
  version: number;
  peer_facility_id: string;
  products: string;
  purpose: string;
  deid_profile: string;
  k: number;
  starts_at: number;
  expires_at: number;
  state: StoredState;
  created_by: string;
  created_at: number;
  approved_by: string | null;
  approved_at: number | null;
  revoked_by: string | null;
  revoked_at: number | null;
  revoke_reason: string | null;
};

export function effectiveState(
  state: StoredState,
  startsAt: number,
  expiresAt: number,
  now: number,
): EffectiveState {
  switch (state) {
    case 'draft':
    case 'revoked':
    case 'superseded':
      return state;
    case 'approved':
      if (now >= expiresAt) return 'expired';
      return now < startsAt ? 'approved' : 'active';
    default: {
      const never: never = state;
      return never;
    }
  }
}

/** Why no agreement lets this peer have this product now (for the stream's status and the audit). */
export type Refusal = { readonly reason: string };

/**
 * Sharing agreements, sender side. Every change is a new version; IT drafts, a compliance officer
 * who is not the drafter approves; revocation tells the listeners (open streams) at once.
 */
export class AgreementStore {
  private readonly listeners = new Set<(id: string) => void>();

  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  onRevoke(listener: (id: string) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  private toVersion(r: Row): AgreementVersion {
    return {
      id: r.id,
      version: r.version,
      peerFacilityId: r.peer_facility_id,
      products: JSON.parse(r.products) as AgreementProduct[],
      purpose: r.purpose,
      deidProfile: r.deid_profile,
      k: r.k,
      startsAt: r.starts_at,
      expiresAt: r.expires_at,
      state: r.state,
      effectiveState: effectiveState(r.state, r.starts_at, r.expires_at, this.now()),
      createdBy: r.created_by,
      createdAt: r.created_at,
      approvedBy: r.approved_by,
      approvedAt: r.approved_at,
      revokedBy: r.revoked_by,
      revokedAt: r.revoked_at,
      revokeReason: r.revoke_reason,
    };
  }

  /** The newest version of every agreement. */
  list(): AgreementVersion[] {
    const rows = this.db
      .prepare(
        `SELECT a.* FROM mesh_agreements a
         WHERE a.version = (SELECT max(version) FROM mesh_agreements b WHERE b.id = a.id)
         ORDER BY a.created_at DESC`,
      )
      .all() as Row[];
    return rows.map((r) => this.toVersion(r));
  }

  history(id: string): AgreementVersion[] {
    const rows = this.db
      .prepare('SELECT * FROM mesh_agreements WHERE id = ? ORDER BY version DESC')
      .all(id) as Row[];
    if (rows.length === 0) throw new ApiError('not_found', `no agreement ${id}`);
    return rows.map((r) => this.toVersion(r));
  }

  get(id: string, version?: number): AgreementVersion {
    const versions = this.history(id);
    const found = version === undefined ? versions[0] : versions.find((v) => v.version === version);
    if (!found) throw new ApiError('not_found', `agreement ${id} has no version ${version}`);
    return found;
  }

  draft(terms: AgreementTerms, by: string): AgreementVersion {
    validateTerms(terms);
    const id = randomUUID();
    this.db.transaction(() => {
      this.insert(id, 1, terms, by);
      this.db
        .prepare('INSERT INTO mesh_agreement_keys (agreement_id, key) VALUES (?, ?)')
        .run(id, randomBytes(32));
    })();
    return this.get(id, 1);
  }

  /** A change is a new version that needs approval again; the version in force stays until then. */
  revise(id: string, changes: Partial<Omit<AgreementTerms, 'peerFacilityId'>>, by: string): AgreementVersion {
    const latest = this.get(id);
    if (latest.state === 'revoked') throw new ApiError('conflict', 'a revoked agreement cannot be changed');
    const terms: AgreementTerms = { ...latest, ...changes, peerFacilityId: latest.peerFacilityId };
    validateTerms(terms);
    const version = latest.version + 1;
    this.db.transaction(() => {
      // An unapproved draft is replaced by the newer one: only one draft waits for approval.
      this.db
        .prepare(`UPDATE mesh_agreements SET state = 'superseded' WHERE id = ? AND state = 'draft'`)
        .run(id);
      this.insert(id, version, terms, by);
    })();
    return this.get(id, version);
  }

  approve(id: string, version: number, by: string): AgreementVersion {
    const v = this.get(id, version);
    if (v.state !== 'draft') throw new ApiError('conflict', `version ${version} is ${v.state}, not a draft`);
    if (v.createdBy === by) {
      throw new ApiError('forbidden', 'an agreement must be approved by someone other than who drafted it');
    }
    if (v.expiresAt <= this.now()) throw new ApiError('conflict', 'this version has already expired');
    this.db.transaction(() => {
      this.db
        .prepare(`UPDATE mesh_agreements SET state = 'superseded' WHERE id = ? AND state = 'approved'`)
        .run(id);
      this.db
        .prepare(
          `UPDATE mesh_agreements SET state = 'approved', approved_by = ?, approved_at = ? WHERE id = ? AND version = ?`,
        )
        .run(by, this.now(), id, version);
    })();
    // The terms in force changed: streams re-check before their next batch anyway.
    return this.get(id, version);
  }

  revoke(id: string, by: string, reason: string): AgreementVersion {
    const latest = this.get(id);
    if (latest.state === 'revoked') throw new ApiError('conflict', 'the agreement is already revoked');
    this.db
      .prepare(
        `UPDATE mesh_agreements SET state = 'revoked', revoked_by = ?, revoked_at = ?, revoke_reason = ?
         WHERE id = ? AND state IN ('draft', 'approved')`,
      )
      .run(by, this.now(), reason, id);
    for (const l of this.listeners) l(id);
    return this.get(id);
  }

  /** The pseudonym key of an agreement: the same for all its versions, different per agreement. */
  key(id: string): Buffer {
    const row = this.db.prepare('SELECT key FROM mesh_agreement_keys WHERE agreement_id = ?').get(id) as
      { key: Buffer } | undefined;
    if (!row) throw new Error(`agreement ${id} has no key`);
    return row.key;
  }

  /** The active versions this peer holds (one per agreement), for its catalog. */
  activeFor(peerFacilityId: string): AgreementVersion[] {
    const rows = this.db
      .prepare(`SELECT * FROM mesh_agreements WHERE peer_facility_id = ? AND state = 'approved'`)
      .all(peerFacilityId) as Row[];
    return rows.map((r) => this.toVersion(r)).filter((v) => v.effectiveState === 'active');
  }

  /** The active agreement version that lets this peer have this product now, or why there is none. */
  authorise(peerFacilityId: string, productId: string): AgreementVersion | Refusal {
    const covers = (v: AgreementVersion) => v.products.some((p) => p.productId === productId);
    const active = this.activeFor(peerFacilityId).find(covers);
    if (active) return active;
    const rows = this.db
      .prepare(`SELECT * FROM mesh_agreements WHERE peer_facility_id = ? ORDER BY version DESC`)
      .all(peerFacilityId) as Row[];
    const latest = rows.map((r) => this.toVersion(r)).find((v) => covers(v) && v.state !== 'superseded');
    if (!latest) return { reason: `no agreement covers product ${productId}` };
    return { reason: `agreement ${latest.id} v${latest.version} is ${latest.effectiveState}` };
  }

  private insert(id: string, version: number, t: AgreementTerms, by: string): void {
    this.db
      .prepare(
        `INSERT INTO mesh_agreements (id, version, peer_facility_id, products, purpose, deid_profile, k,
           starts_at, expires_at, state, created_by, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, 'draft', ?, ?)`,
      )
      .run(
        id,
        version,
        t.peerFacilityId,
        JSON.stringify(t.products),
        t.purpose,
        t.deidProfile,
        t.k,
        t.startsAt,
        t.expiresAt,
        by,
        this.now(),
      );
  }
}

function validateTerms(t: AgreementTerms): void {
  if (t.expiresAt <= t.startsAt) throw new ApiError('bad_request', 'the expiry must be after the start');
  if (t.products.length === 0) throw new ApiError('bad_request', 'an agreement names at least one product');
  if (t.k < 1) throw new ApiError('bad_request', 'k must be at least 1');
}
