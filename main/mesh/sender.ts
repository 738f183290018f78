import type { DeidProfile, ProductDefinition } from '../../shared/api/products';
import { ApiError } from '../../shared/api/errors';
import { columnsFor } from '../deid/columns';
import {
  continueCursor,
  planRelease,
  releaseBatches,
  type ReleaseBatch,
  type ReleasePlan,
} from '../deid/pipeline';
import type { ProfileStore } from '../deid/profile-store';
import type { ProductCatalog } from '../products/catalog';
import type { Versioned } from '../products/versioned-store';
import type { Db } from '../store/database';
import type { AgreementStore, AgreementVersion, Refusal } from './agreements';
import { batchHash } from './batch';
import type { WireBatch, WireCatalog } from './proto';

export interface SenderDeps {
  readonly db: Db;
  readonly catalog: ProductCatalog;
  readonly profiles: ProfileStore;
  readonly agreements: AgreementStore;
  /** Product rows per page (and so at most per batch). */
  readonly pageSize?: number;
}

export const isRefusal = (v: AgreementVersion | Refusal): v is Refusal => 'reason' in v;

/**
 * The sending side of the mesh: what a peer may see (its catalog) and the batches it pulls, each
 * made at send time by the issue-7 release pipeline under the agreement's terms: its product
 * version, its profile with its k, and its own pseudonym key (one per agreement, so two peers'
 * copies can't be joined).
 */
export class MeshSender {
  constructor(private readonly deps: SenderDeps) {}

  /** The product version an agreement names (latest, or the pinned one). */
  productFor(a: AgreementVersion, productId: string): Versioned<ProductDefinition> {
    const p = a.products.find((x) => x.productId === productId);
    if (!p) throw new ApiError('not_found', `agreement ${a.id} does not cover ${productId}`);
    const version = p.versionPolicy === 'pinned' && p.version ? Number(p.version) : undefined;
    return this.deps.catalog.definitions.require(productId, version);
  }

  /** The agreement's profile, with its k if that is stricter than the profile's own. */
  profileFor(a: AgreementVersion): Versioned<DeidProfile> {
    const profile = this.deps.profiles.require(a.deidProfile);
    const k = Math.max(a.k, profile.definition.kAnonymity.k);
    return {
      ...profile,
      definition: { ...profile.definition, kAnonymity: { ...profile.definition.kAnonymity, k } },
    };
  }

  requireProduct(productId: string): void {
    this.deps.catalog.definitions.require(productId);
  }

  requireProfile(name: string): void {
    this.deps.profiles.require(name);
  }

  catalogFor(peerFacilityId: string): WireCatalog['products'] {
    const out: WireCatalog['products'] = [];
    for (const a of this.deps.agreements.activeFor(peerFacilityId)) {
      const profile = this.profileFor(a);
      for (const p of a.products) {
        const product = this.productFor(a, p.productId);
        out.push({
          productId: product.name,
          productVersion: product.version,
          description: product.definition.description,
          grain: product.definition.grain,
          agreementId: a.id,
          agreementVersion: a.version,
          purpose: a.purpose,
          profile: `${profile.name}@${profile.version}`,
          k: profile.definition.kAnonymity.k,
          expiresAtMs: a.expiresAt,
          columns: columnsFor(product.definition, profile.definition).map((c) => ({
            name: c.name,
            type: c.type,
            description: c.description,
          })),
        });
      }
    }
    return out;
  }

  /** Plans a release of one product for one agreement version from a cursor. */
  plan(a: AgreementVersion, productId: string, cursor: string | undefined): ReleasePlan {
    return planRelease(this.deps.db, {
      product: this.productFor(a, productId),
      profile: this.profileFor(a),
      key: this.deps.agreements.key(a.id),
      cursor: cursor || undefined,
      pageSize: this.deps.pageSize,
    });
  }

  /**
   * After a release's last batch: a plan over the observations stored since its snapshot (raw
   * grain), so a periodic pull carries on with what arrived meanwhile. Undefined when nothing did.
   */
  continuation(a: AgreementVersion, plan: ReleasePlan, cursor: string): ReleasePlan | undefined {
    if (!cursor) return undefined;
    const { m } = this.deps.db.prepare('SELECT coalesce(max(id), 0) AS m FROM observations').get() as {
      m: number;
    };
    const next = continueCursor(cursor, plan.request.product.definition, m);
    return next === undefined ? undefined : this.plan(a, plan.request.product.name, next);
  }

  authorise(peerFacilityId: string, productId: string): AgreementVersion | Refusal {
    return this.deps.agreements.authorise(peerFacilityId, productId);
  }

  /** A pipeline batch as it goes on the wire, hashed. */
  toWire(a: AgreementVersion, plan: ReleasePlan, from: string, b: ReleaseBatch): WireBatch {
    const rows = Buffer.from(JSON.stringify(b.rows));
    const fields = {
      productId: plan.request.product.name,
      productVersion: plan.request.product.version,
      agreementId: a.id,
      agreementVersion: a.version,
      cursorFrom: from,
      cursorTo: b.cursor,
      rowCount: b.rows.length,
      columns: plan.columns.map((c) => c.name),
      rows,
    };
    return { ...fields, sha256: batchHash(fields) };
  }

  /** The pipeline's batches for a plan (re-exported so the server needs one dependency). */
  batches(plan: ReleasePlan): Generator<ReleaseBatch, void, undefined> {
    return releaseBatches(this.deps.db, plan);
  }
}

/** Same terms for the stream: a new approved version with other terms re-plans from the cursor. */
export const sameTerms = (a: AgreementVersion, b: AgreementVersion): boolean =>
  a.id === b.id && a.version === b.version;
