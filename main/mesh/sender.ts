import type { DeidProfile, ProductDefinition } from '../../shared/api/products';
import { ApiError } from '../../shared/api/errors';
import { columnsFor } from '../deid/columns';
import {
  continueCursor,
  planReleaseAsync,
  releaseBatches,
  type ReleaseBatch,
  type ReleasePlan,
  type ReleaseRequest,
} from '../deid/pipeline';
import type { ProfileStore } from '../deid/profile-store';
import type { ProductCatalog } from '../products/catalog';
import type { Versioned } from '../products/versioned-store';
import type { Db } from '../store/database';
import type { AgreementStore, AgreementVersion, Refusal } from './agreements';
import { batchHash } from './batch';
import { COLUMNAR, encodeColumnar } from './columnar';
import type { WireBatch, WireCatalog } from './proto';
import {
  DEFAULT_LATENESS_MS,
  closedEnd,
  decodeWindowCursor,
  encodeWindowCursor,
  windowStart,
} from './windows';

export interface SenderDeps {
  readonly db: Db;
  readonly catalog: ProductCatalog;
  readonly profiles: ProfileStore;
  readonly agreements: AgreementStore;
  /** Product rows per page (and so at most per batch). */
  readonly pageSize?: number;
  /** The clock that decides which aggregate buckets are closed (tests move it). */
  readonly now?: (() => number) | undefined;
  /** How long after a bucket ends its rows may still arrive (see windows.ts). */
  readonly latenessMs?: number;
}

/**
 * A release plan as the mesh streams it. Aggregated grains add the window of closed buckets it
 * releases (windows.ts) and how many source rows arrived too late for buckets already released.
 */
export type MeshPlan = ReleasePlan & {
  readonly window: { readonly from: number; readonly to: number } | undefined;
  readonly lateRows: number;
};

/** Source rows stored after a snapshot with a time before a window start: late for released buckets. */
const lateRowsSql = (codes: number): string => `SELECT count(*) AS n FROM observations
  WHERE id > ? AND id <= ? AND code IN (${Array.from({ length: codes }, () => '?').join(', ')})
  AND +observed_at < ? AND value_num IS NOT NULL`;

/** How a batch's rows are written: JSON, or the compact columnar encoding when the puller reads it. */
export type RowEncoding = 'json' | typeof COLUMNAR;

/** The encoding for a puller that accepts these (the compact one when it can read it). */
export const encodingFor = (accept: readonly string[]): RowEncoding =>
  accept.includes(COLUMNAR) ? COLUMNAR : 'json';

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

  /**
   * Plans a release of one product for one agreement version from a cursor: raw grain from the
   * pipeline's cursor; aggregated grains as the next window of closed buckets (windows.ts). The
   * patient pass gives the event loop back between chunks, so a large store doesn't stall ingest.
   */
  async plan(a: AgreementVersion, productId: string, cursor: string | undefined): Promise<MeshPlan> {
    const product = this.productFor(a, productId);
    const base = {
      product,
      profile: this.profileFor(a),
      key: this.deps.agreements.key(a.id),
      pageSize: this.deps.pageSize,
    };
    const grain = product.definition.grain;
    if (grain === 'raw') {
      return {
        ...(await planReleaseAsync(this.deps.db, { ...base, cursor: cursor || undefined })),
        window: undefined,
        lateRows: 0,
      };
    }
    const c = decodeWindowCursor(cursor);
    if (c.kind === 'at') return this.windowPlan(base, c.from, c.to, c.inner, undefined);
    const from = windowStart(c);
    const to = Math.max(from, closedEnd(this.now(), grain, this.latenessMs()));
    return this.windowPlan(base, from, to, undefined, c.kind === 'done' ? c.upTo : undefined);
  }

  private async windowPlan(
    base: Omit<ReleaseRequest, 'from' | 'to' | 'cursor'>,
    from: number,
    to: number,
    inner: string | undefined,
    releasedUpTo: number | undefined,
  ): Promise<MeshPlan> {
    const release = await planReleaseAsync(this.deps.db, { ...base, from, to, cursor: inner });
    let lateRows = 0;
    if (releasedUpTo !== undefined && release.upTo > releasedUpTo) {
      const codes = release.query.codes;
      lateRows = (
        this.deps.db.prepare(lateRowsSql(codes.length)).get(releasedUpTo, release.upTo, ...codes, from) as {
          n: number;
        }
      ).n;
    }
    return { ...release, window: { from, to }, lateRows };
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private latenessMs(): number {
    return this.deps.latenessMs ?? DEFAULT_LATENESS_MS;
  }

  /**
   * After a plan's last batch: what to stream next in the same pull, or undefined. Raw grain: the
   * observations stored since its snapshot. Aggregated: the buckets that closed since the window
   * was planned (the window's `done` cursor, or the same start when the window was empty).
   */
  async continuation(a: AgreementVersion, plan: MeshPlan, cursor: string): Promise<MeshPlan | undefined> {
    const product = plan.request.product;
    if (plan.window) {
      const grain = product.definition.grain as Exclude<typeof product.definition.grain, 'raw'>;
      const to = closedEnd(this.now(), grain, this.latenessMs());
      return to > plan.window.to ? this.plan(a, product.name, cursor) : undefined;
    }
    if (!cursor) return undefined;
    const { m } = this.deps.db.prepare('SELECT coalesce(max(id), 0) AS m FROM observations').get() as {
      m: number;
    };
    const next = continueCursor(cursor, product.definition, m);
    return next === undefined ? undefined : this.plan(a, product.name, next);
  }

  authorise(peerFacilityId: string, productId: string): AgreementVersion | Refusal {
    return this.deps.agreements.authorise(peerFacilityId, productId);
  }

  /** A pipeline batch as it goes on the wire, in an encoding the puller reads, hashed. */
  toWire(
    a: AgreementVersion,
    plan: MeshPlan,
    from: string,
    b: ReleaseBatch,
    encoding: RowEncoding = 'json',
  ): WireBatch {
    const rows =
      encoding === COLUMNAR
        ? encodeColumnar(b.rows, plan.columns.length)
        : Buffer.from(JSON.stringify(b.rows));
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
      encoding: encoding === 'json' ? ('' as const) : encoding,
    };
    return { ...fields, sha256: batchHash(fields) };
  }

  /**
   * The pipeline's batches for a plan. An aggregated window's batches carry window cursors, its
   * last one the window's `done` cursor (so the next pull starts at the next window without
   * re-reading this one); an empty window yields nothing and leaves the cursor where it is.
   */
  *batches(plan: MeshPlan): Generator<ReleaseBatch, void, undefined> {
    if (!plan.window) {
      yield* releaseBatches(this.deps.db, plan);
      return;
    }
    if (plan.totalRows === 0) return;
    const { from, to } = plan.window;
    let held: ReleaseBatch | undefined;
    for (const b of releaseBatches(this.deps.db, plan)) {
      if (held) yield { ...held, cursor: encodeWindowCursor({ kind: 'at', from, to, inner: held.cursor }) };
      held = b;
    }
    if (held) yield { ...held, cursor: encodeWindowCursor({ kind: 'done', to, upTo: plan.upTo }) };
  }
}

/** Same terms for the stream: a new approved version with other terms re-plans from the cursor. */
export const sameTerms = (a: AgreementVersion, b: AgreementVersion): boolean =>
  a.id === b.id && a.version === b.version;
