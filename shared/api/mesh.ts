import { z } from 'zod';
import { method } from './define';
import { gateReport } from './exports';

/**
 * The mesh (issue 8): this facility's identity, enrolled peers, sharing agreements (what we let
 * peers pull) and received products (what we pull from peers). Times are epoch milliseconds.
 */

const facilityId = z.string().min(1).max(128);
const productName = z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, 'a product name');
const agreementId = z.uuid('an agreement id');
const when = z.number().int().nullable();

export const PEER_STATUSES = ['pending', 'active', 'suspended'] as const;

export const peerView = z.object({
  facilityId: z.string(),
  displayName: z.string(),
  endpoint: z.string(),
  caFingerprint: z.string(),
  status: z.enum(PEER_STATUSES),
  importedBy: z.string(),
  importedAt: z.number().int(),
  confirmedBy: z.string().nullable(),
  confirmedAt: when,
  lastContactAt: when,
  lastContact: z.string().nullable(),
});
export type PeerView = z.infer<typeof peerView>;

export const AGREEMENT_STATES = ['draft', 'approved', 'active', 'expired', 'revoked', 'superseded'] as const;

export const agreementProduct = z
  .object({
    productId: productName,
    versionPolicy: z.enum(['latest', 'pinned']),
    version: z.string().regex(/^\d+$/, 'a product version number').optional(),
  })
  .strict()
  .refine((p) => p.versionPolicy === 'latest' || p.version !== undefined, {
    message: 'a pinned product names its version',
    path: ['version'],
  });

export const agreementTerms = z
  .object({
    peerFacilityId: facilityId,
    products: z.array(agreementProduct).min(1, 'at least one product').max(20),
    purpose: z.string().trim().min(3, 'say what the data is for').max(500),
    deidProfile: z.string().min(1).max(48),
    k: z.number().int().min(1).max(1000),
    startsAt: z.number().int(),
    expiresAt: z.number().int(),
  })
  .strict()
  .refine((t) => t.expiresAt > t.startsAt, {
    message: 'the expiry must be after the start',
    path: ['expiresAt'],
  });

export const agreementView = z.object({
  id: z.string(),
  version: z.number().int(),
  peerFacilityId: z.string(),
  products: z.array(
    z.object({
      productId: z.string(),
      versionPolicy: z.enum(['latest', 'pinned']),
      version: z.string().optional(),
    }),
  ),
  purpose: z.string(),
  deidProfile: z.string(),
  k: z.number().int(),
  startsAt: z.number().int(),
  expiresAt: z.number().int(),
  state: z.enum(['draft', 'approved', 'revoked', 'superseded']),
  effectiveState: z.enum(AGREEMENT_STATES),
  createdBy: z.string(),
  createdAt: z.number().int(),
  approvedBy: z.string().nullable(),
  approvedAt: when,
  revokedBy: z.string().nullable(),
  revokedAt: when,
  revokeReason: z.string().nullable(),
});
export type AgreementView = z.infer<typeof agreementView>;

const cell = z.union([z.string(), z.number(), z.null()]);

/** "What would leave the building": sample de-identified rows and the release report. */
export const agreementPreview = z.object({
  productId: z.string(),
  productVersion: z.number().int(),
  profile: z.string(),
  columns: z.array(z.string()),
  sample: z.array(z.array(cell)),
  gate: gateReport,
  releasedRows: z.number().int(),
  totalRows: z.number().int(),
});

export const subscriptionView = z.object({
  peerFacilityId: z.string(),
  peerName: z.string().nullable(),
  productId: z.string(),
  batchesReceived: z.number().int(),
  rowsReceived: z.number().int(),
  createdAt: z.number().int(),
  lastPullAt: when,
  lastSuccessAt: when,
  lastBatchAt: when,
  lastError: z.string().nullable(),
  failures: z.number().int(),
  columns: z.array(z.string()),
});

export const remoteProduct = z.object({
  productId: z.string(),
  productVersion: z.number().int(),
  description: z.string(),
  grain: z.string(),
  agreementId: z.string(),
  agreementVersion: z.number().int(),
  purpose: z.string(),
  profile: z.string(),
  k: z.number().int(),
  expiresAtMs: z.number(),
  columns: z.array(z.object({ name: z.string(), type: z.string(), description: z.string() })),
});

const peerRef = z.object({ facilityId }).strict();
const subRef = z.object({ facilityId, productId: productName }).strict();

export const meshMethods = {
  'mesh.identity': method(
    "This facility's id, CA fingerprint, node certificate and enrolment bundle (null while the listener is off)",
    z.object({}).strict(),
    z.object({
      facilityId: z.string(),
      displayName: z.string(),
      endpoint: z.string().nullable(),
      caFingerprint: z.string(),
      nodeCertificate: z.object({ fingerprint: z.string(), notAfter: z.number().int() }),
      /** Where the CA private key is kept, and why not where the settings asked (when so). */
      caKey: z.object({ location: z.enum(['store', 'keychain']), note: z.string().nullable() }),
      bundle: z.string().nullable(),
    }),
  ),
} as const;

export const peerMethods = {
  'peers.list': method('Enrolled peers', z.object({}).strict(), z.object({ peers: z.array(peerView) })),
  'peers.import': method(
    "Imports a peer's enrolment bundle as pending; compare the fingerprint out of band, then confirm",
    z.object({ bundle: z.string().min(2).max(30_000) }).strict(),
    peerView,
  ),
  'peers.confirm': method(
    'Activates a pending peer once its CA fingerprint was compared with the peer facility',
    z.object({ facilityId, fingerprint: z.string().min(32).max(200) }).strict(),
    peerView,
  ),
  'peers.suspend': method('Stops trusting a peer at once (kept for later)', peerRef, peerView),
  'peers.resume': method('Trusts a suspended peer again', peerRef, peerView),
  'peers.remove': method(
    'Removes a peer and its trust at once',
    peerRef,
    z.object({ removed: z.literal(true) }),
  ),
} as const;

export const agreementMethods = {
  'agreements.list': method(
    'The newest version of every sharing agreement',
    z.object({}).strict(),
    z.object({ agreements: z.array(agreementView) }),
  ),
  'agreements.history': method(
    'Every version of one agreement, newest first',
    z.object({ id: agreementId }).strict(),
    z.object({ versions: z.array(agreementView) }),
  ),
  'agreements.draft': method('Drafts a new agreement (needs approval)', agreementTerms, agreementView),
  'agreements.revise': method(
    'A change: a new version that needs approval again; the version in force stays until then',
    z
      .object({
        id: agreementId,
        changes: z
          .object({
            products: z.array(agreementProduct).min(1).max(20).optional(),
            purpose: z.string().trim().min(3).max(500).optional(),
            deidProfile: z.string().min(1).max(48).optional(),
            k: z.number().int().min(1).max(1000).optional(),
            startsAt: z.number().int().optional(),
            expiresAt: z.number().int().optional(),
          })
          .strict(),
      })
      .strict(),
    agreementView,
  ),
  'agreements.preview': method(
    'What would leave the building: sample de-identified rows and the release report of a version',
    z
      .object({
        id: agreementId,
        version: z.number().int().min(1).optional(),
        sampleRows: z.number().int().min(1).max(200).default(20),
      })
      .strict(),
    z.object({ products: z.array(agreementPreview) }),
  ),
  'agreements.approve': method(
    'Approves a draft version (by someone other than who drafted it)',
    z.object({ id: agreementId, version: z.number().int().min(1) }).strict(),
    agreementView,
  ),
  'agreements.revoke': method(
    'Revokes an agreement: open streams end at once',
    z.object({ id: agreementId, reason: z.string().trim().min(3, 'give a reason').max(500) }).strict(),
    agreementView,
  ),
} as const;

export const receivedMethods = {
  'received.list': method(
    'Products we pull from peers, with freshness',
    z.object({}).strict(),
    z.object({ subscriptions: z.array(subscriptionView) }),
  ),
  'received.catalog': method(
    "A peer's catalog for us: the products our agreements with it cover",
    peerRef,
    z.object({ products: z.array(remoteProduct) }),
  ),
  'received.subscribe': method('Pulls this product of the peer from now on', subRef, subscriptionView),
  'received.unsubscribe': method(
    'Stops pulling (what was received stays)',
    subRef,
    z.object({ removed: z.literal(true) }),
  ),
  'received.pull': method(
    'Pulls now, whatever the schedule',
    subRef,
    z.object({
      ok: z.boolean(),
      batches: z.number().int(),
      rows: z.number().int(),
      error: z.string().optional(),
    }),
  ),
  'received.rows': method(
    'Received de-identified rows of a product, in received order',
    z
      .object({ facilityId, productId: productName, limit: z.number().int().min(1).max(1000).default(100) })
      .strict(),
    z.object({ columns: z.array(z.string()), rows: z.array(z.array(cell)) }),
  ),
} as const;
