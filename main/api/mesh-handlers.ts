import { ApiError } from '../../shared/api/errors';
import type { agreementMethods, meshMethods, peerMethods, receivedMethods } from '../../shared/api/mesh';
import type { AgreementVersion } from '../mesh/agreements';
import type { Peer } from '../mesh/peers';
import type { MeshService } from '../mesh/service';
import type { HandlerContext } from './context';
import type { Handlers } from './dispatcher';

type MeshMethod =
  | keyof typeof meshMethods
  | keyof typeof peerMethods
  | keyof typeof agreementMethods
  | keyof typeof receivedMethods;

const who = (ctx: HandlerContext): string => {
  if (!ctx.principal) throw new ApiError('unauthenticated', 'log in first');
  return ctx.principal.username;
};

// Peer views never carry the CA PEM itself: the fingerprint is what people compare.
const peerView = ({ caPem: _pem, ...rest }: Peer) => rest;
const agreementView = (a: AgreementVersion) => ({ ...a, products: a.products.map((p) => ({ ...p })) });

/**
 * The mesh's API (issue 8). Permissions and the audit line are the dispatcher's; handlers name
 * the target and the facts a reviewer needs (fingerprint, version, reason).
 */
export function meshHandlers(mesh: MeshService): Pick<Handlers, MeshMethod> {
  const peerTarget = (ctx: HandlerContext, facilityId: string) =>
    (ctx.audit.target = `facility:${facilityId}`);
  const agreementTarget = (ctx: HandlerContext, a: AgreementVersion) => {
    ctx.audit.target = `agreement:${a.id}`;
    ctx.audit.details = { version: a.version, peer: a.peerFacilityId, state: a.effectiveState };
  };
  return {
    'mesh.identity': () => {
      const id = mesh.identity.current();
      const caKey = mesh.identity.caKeyStatus();
      let bundle: string | null = null;
      if (mesh.endpoint) {
        const { fingerprint: _f, ...b } = mesh.bundle();
        bundle = JSON.stringify(b, null, 2);
      }
      return {
        facilityId: id.facilityId,
        displayName: mesh.displayName,
        endpoint: mesh.endpoint ?? null,
        caFingerprint: id.ca.fingerprint,
        nodeCertificate: { fingerprint: id.node.fingerprint, notAfter: id.node.notAfter },
        caKey: { location: caKey.location, note: caKey.note ?? null },
        bundle,
      };
    },
    'peers.list': () => ({ peers: mesh.peers.list().map(peerView) }),
    'peers.import': ({ bundle }, ctx) => {
      const peer = mesh.peers.import(bundle, mesh.identity.facilityId(), who(ctx));
      peerTarget(ctx, peer.facilityId);
      ctx.audit.details = { fingerprint: peer.caFingerprint, endpoint: peer.endpoint, status: peer.status };
      return peerView(peer);
    },
    'peers.confirm': ({ facilityId, fingerprint }, ctx) => {
      peerTarget(ctx, facilityId);
      const peer = mesh.peers.confirm(facilityId, fingerprint, who(ctx));
      ctx.audit.details = { fingerprint: peer.caFingerprint };
      return peerView(peer);
    },
    'peers.suspend': ({ facilityId }, ctx) => {
      peerTarget(ctx, facilityId);
      return peerView(mesh.peers.setSuspended(facilityId, true));
    },
    'peers.resume': ({ facilityId }, ctx) => {
      peerTarget(ctx, facilityId);
      return peerView(mesh.peers.setSuspended(facilityId, false));
    },
    'peers.remove': ({ facilityId }, ctx) => {
      peerTarget(ctx, facilityId);
      mesh.peers.remove(facilityId);
      return { removed: true as const };
    },
    'agreements.list': () => ({ agreements: mesh.agreements.list().map(agreementView) }),
    'agreements.history': ({ id }, ctx) => {
      ctx.audit.target = `agreement:${id}`;
      return { versions: mesh.agreements.history(id).map(agreementView) };
    },
    'agreements.draft': (terms, ctx) => {
      mesh.peers.require(terms.peerFacilityId);
      checkTerms(mesh, terms.products, terms.deidProfile);
      const a = mesh.agreements.draft(terms, who(ctx));
      agreementTarget(ctx, a);
      return agreementView(a);
    },
    'agreements.revise': ({ id, changes }, ctx) => {
      const current = mesh.agreements.get(id);
      checkTerms(mesh, changes.products ?? current.products, changes.deidProfile ?? current.deidProfile);
      const defined = Object.fromEntries(Object.entries(changes).filter(([, v]) => v !== undefined));
      const a = mesh.agreements.revise(id, defined, who(ctx));
      agreementTarget(ctx, a);
      return agreementView(a);
    },
    'agreements.preview': async ({ id, version, sampleRows }, ctx) => {
      const a = mesh.agreements.get(id, version);
      agreementTarget(ctx, a);
      const products = [];
      // One product after the other: each plan is a pass over the store.
      for (const p of a.products) {
        const plan = await mesh.sender.plan(a, p.productId, undefined);
        const sample: (string | number | null)[][] = [];
        for (const b of mesh.sender.batches(plan)) {
          sample.push(...b.rows.slice(0, sampleRows - sample.length));
          if (sample.length >= sampleRows) break;
        }
        products.push({
          productId: p.productId,
          productVersion: plan.request.product.version,
          profile: `${plan.request.profile.name}@${plan.request.profile.version}`,
          columns: plan.columns.map((c) => c.name),
          sample,
          gate: plan.gate,
          releasedRows: plan.releasedRows,
          totalRows: plan.totalRows,
        });
      }
      return { products };
    },
    'agreements.approve': ({ id, version }, ctx) => {
      const a = mesh.agreements.approve(id, version, who(ctx));
      agreementTarget(ctx, a);
      return agreementView(a);
    },
    'agreements.revoke': ({ id, reason }, ctx) => {
      const a = mesh.agreements.revoke(id, who(ctx), reason);
      agreementTarget(ctx, a);
      ctx.audit.details = { ...ctx.audit.details, reason };
      return agreementView(a);
    },
    'received.list': () => {
      const names = new Map(mesh.peers.list().map((p) => [p.facilityId, p.displayName]));
      return {
        subscriptions: mesh.puller.subscriptions().map(({ cursor: _c, ...s }) => ({
          ...s,
          peerName: names.get(s.peerFacilityId) ?? null,
        })),
      };
    },
    'received.catalog': async ({ facilityId }, ctx) => {
      peerTarget(ctx, facilityId);
      try {
        return { products: await mesh.puller.catalog(facilityId) };
      } catch (error) {
        if (error instanceof ApiError) throw error;
        throw new ApiError('unavailable', `peer ${facilityId} did not answer: ${(error as Error).message}`);
      }
    },
    'received.subscribe': ({ facilityId, productId }, ctx) => {
      peerTarget(ctx, facilityId);
      ctx.audit.details = { productId };
      const { cursor: _c, ...s } = mesh.puller.subscribe(facilityId, productId);
      return { ...s, peerName: mesh.peers.get(facilityId)?.displayName ?? null };
    },
    'received.unsubscribe': ({ facilityId, productId }, ctx) => {
      peerTarget(ctx, facilityId);
      ctx.audit.details = { productId };
      mesh.puller.unsubscribe(facilityId, productId);
      return { removed: true as const };
    },
    'received.pull': async ({ facilityId, productId }, ctx) => {
      peerTarget(ctx, facilityId);
      mesh.peers.require(facilityId);
      const r = await mesh.scheduler.pullNow(facilityId, productId);
      ctx.audit.details = { productId, batches: r.batches, rows: r.rows, ok: r.ok };
      return { ok: r.ok, batches: r.batches, rows: r.rows, ...(r.error ? { error: r.error } : {}) };
    },
    'received.rows': ({ facilityId, productId, limit }, ctx) => {
      peerTarget(ctx, facilityId);
      ctx.audit.details = { productId, limit };
      const sub = mesh.puller.subscription(facilityId, productId);
      if (!sub) throw new ApiError('not_found', `no subscription to ${productId} of ${facilityId}`);
      return {
        columns: sub.columns,
        rows: mesh.puller.rows(facilityId, productId, limit) as (string | number | null)[][],
      };
    },
  };
}

/** The products and profile an agreement names must exist here, now. */
function checkTerms(mesh: MeshService, products: readonly { productId: string }[], profile: string): void {
  for (const p of products) mesh.sender.requireProduct(p.productId);
  mesh.sender.requireProfile(profile);
}
