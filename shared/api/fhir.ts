import { z } from 'zod';
import { method, stream } from './define';

/** Resource types a FHIR source can import (issue 6). Location and Encounter give bed context. */
export const FHIR_RESOURCE_TYPES = ['Location', 'Patient', 'Device', 'Encounter', 'Observation'] as const;
export const fhirResourceType = z.enum(FHIR_RESOURCE_TYPES);
export type FhirResourceType = z.infer<typeof fhirResourceType>;

const httpUrl = z
  .url({ protocol: /^https?$/, message: 'an http:// or https:// URL' })
  .max(2048)
  .transform((u) => u.replace(/\/+$/, ''));

/** SMART Backend Services: the JWT assertion's algorithm. @see https://hl7.org/fhir/smart-app-launch/backend-services.html */
export const SMART_ALGORITHMS = ['RS384', 'ES384'] as const;

/** How the node authenticates to the server. Secrets go in, never come back out. */
export const fhirAuthInput = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).strict(),
  z
    .object({
      kind: z.literal('basic'),
      username: z.string().min(1).max(256),
      /** Omit on update to keep the stored password. */
      password: z.string().min(1).max(1024).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('bearer'),
      token: z.string().min(1).max(8192).optional(),
    })
    .strict(),
  z
    .object({
      kind: z.literal('smart'),
      clientId: z.string().min(1).max(256),
      /** Token endpoint; discovered from `.well-known/smart-configuration` when omitted. */
      tokenUrl: httpUrl.optional(),
      algorithm: z.enum(SMART_ALGORITHMS),
      /** `kid` header of the assertion: which of the registered public keys signed it. */
      keyId: z.string().min(1).max(256).optional(),
      scope: z.string().min(1).max(1024).default('system/*.read'),
      /** PKCS#8 PEM private key (RSA for RS384, P-384 for ES384). Omit on update to keep it. */
      privateKey: z.string().min(1).max(16_384).optional(),
    })
    .strict(),
]);
export type FhirAuthInput = z.infer<typeof fhirAuthInput>;

/** Auth as shown back: settings, and only a hint of the secret. */
export const fhirAuthView = z.object({
  kind: z.enum(['none', 'basic', 'bearer', 'smart']),
  username: z.string().optional(),
  clientId: z.string().optional(),
  tokenUrl: z.string().optional(),
  algorithm: z.enum(SMART_ALGORITHMS).optional(),
  keyId: z.string().optional(),
  scope: z.string().optional(),
  /** e.g. "set (••••1a2b)" or "P-384 key, SHA-256 3f9a…"; never the secret. */
  secret: z.string().nullable(),
});

const sourceFields = {
  name: z.string().trim().min(1).max(80),
  baseUrl: httpUrl,
  auth: fhirAuthInput,
  resources: z
    .array(fhirResourceType)
    .min(1)
    .max(FHIR_RESOURCE_TYPES.length)
    .default([...FHIR_RESOURCE_TYPES]),
  /** Seconds between scheduled syncs; null = only when asked. */
  intervalSeconds: z
    .number()
    .int()
    .min(30)
    .max(7 * 86_400)
    .nullable()
    .default(900),
  pageSize: z.number().int().min(1).max(1000).default(100),
  enabled: z.boolean().default(true),
};

export const fhirSourceAddInput = z.object(sourceFields).strict();
export type FhirSourceAddInput = z.input<typeof fhirSourceAddInput>;

export const fhirSourceUpdateInput = z
  .object({
    id: z.number().int().positive(),
    name: sourceFields.name.optional(),
    baseUrl: sourceFields.baseUrl.optional(),
    auth: fhirAuthInput.optional(),
    resources: z.array(fhirResourceType).min(1).max(FHIR_RESOURCE_TYPES.length).optional(),
    intervalSeconds: z
      .number()
      .int()
      .min(30)
      .max(7 * 86_400)
      .nullable()
      .optional(),
    pageSize: z.number().int().min(1).max(1000).optional(),
    enabled: z.boolean().optional(),
  })
  .strict();
export type FhirSourceUpdateInput = z.input<typeof fhirSourceUpdateInput>;

/** An OperationOutcome issue as the server wrote it, for IT to read. */
export const fhirIssue = z.object({
  severity: z.string(),
  code: z.string(),
  text: z.string(),
});
export type FhirIssue = z.infer<typeof fhirIssue>;

export const fhirSyncCounts = z.object({
  fetched: z.number().int(),
  stored: z.number().int(),
  unchanged: z.number().int(),
  skipped: z.number().int(),
  quarantined: z.number().int(),
  retracted: z.number().int(),
  observations: z.number().int(),
  pages: z.number().int(),
});
export type FhirSyncCounts = z.infer<typeof fhirSyncCounts>;

export const fhirSourceView = z.object({
  id: z.number().int(),
  name: z.string(),
  baseUrl: z.string(),
  auth: fhirAuthView,
  resources: z.array(fhirResourceType),
  intervalSeconds: z.number().int().nullable(),
  pageSize: z.number().int(),
  enabled: z.boolean(),
  state: z.enum(['idle', 'running', 'ok', 'error', 'stopped']),
  lastError: z.string().nullable(),
  lastIssues: z.array(fhirIssue),
  lastCounts: fhirSyncCounts.nullable(),
  lastRunAt: z.string().nullable(),
  lastSuccessAt: z.string().nullable(),
  quarantined: z.number().int(),
});
export type FhirSourceView = z.infer<typeof fhirSourceView>;

export const fhirSyncResult = z.object({
  sourceId: z.number().int(),
  outcome: z.enum(['ok', 'error', 'stopped']),
  counts: fhirSyncCounts,
  message: z.string().nullable(),
  issues: z.array(fhirIssue),
  durationMs: z.number(),
});
export type FhirSyncResult = z.infer<typeof fhirSyncResult>;

export const fhirSyncProgress = z.object({
  sourceId: z.number().int(),
  runId: z.string(),
  phase: z.enum(['started', 'page', 'finished']),
  resourceType: z.string().nullable(),
  counts: fhirSyncCounts,
  /** Search streams done and in all, for a progress bar. */
  streamsDone: z.number().int(),
  streamsTotal: z.number().int(),
  /** The server's Bundle.total for the current search, when it gave one. */
  total: z.number().int().nullable(),
  outcome: z.enum(['ok', 'error', 'stopped']).nullable(),
  message: z.string().nullable(),
});
export type FhirSyncProgress = z.infer<typeof fhirSyncProgress>;

export const fhirQuarantineEntry = z.object({
  id: z.number().int(),
  resourceType: z.string(),
  resourceId: z.string().nullable(),
  versionId: z.string().nullable(),
  reason: z.string(),
  at: z.string(),
});
export type FhirQuarantineEntry = z.infer<typeof fhirQuarantineEntry>;

const sourceId = z.object({ sourceId: z.number().int().positive() }).strict();

export const fhirMethods = {
  'fhir.sources.add': method(
    'Adds a FHIR R4 server to import from.',
    fhirSourceAddInput,
    z.object({ id: z.number().int() }),
  ),
  'fhir.sources.list': method(
    'The FHIR sources, their state and last sync; secrets masked.',
    z.object({}).strict(),
    z.object({ sources: z.array(fhirSourceView) }),
  ),
  'fhir.sources.update': method(
    'Changes a FHIR source; omitted fields (and omitted secrets) are kept. Clears a stopped state.',
    fhirSourceUpdateInput,
    fhirSourceView,
  ),
  'fhir.sources.remove': method(
    'Removes a FHIR source and its cursors; imported observations stay.',
    z.object({ id: z.number().int().positive() }).strict(),
    z.object({ removed: z.boolean() }),
  ),
  'fhir.sync': method(
    'Runs a sync of one source now and answers with its counts when done.',
    sourceId,
    fhirSyncResult,
  ),
  'fhir.quarantine': method(
    'Resources of a source that failed validation, with the reason (newest first).',
    z
      .object({
        sourceId: z.number().int().positive(),
        limit: z.number().int().min(1).max(500).default(100),
      })
      .strict(),
    z.object({ entries: z.array(fhirQuarantineEntry) }),
  ),
} as const;

export const fhirStreams = {
  'fhir.syncProgress': stream(
    'Progress of running FHIR syncs: resources fetched and stored, pages (all sources or one).',
    z.object({ sourceId: z.number().int().positive().optional() }).strict(),
    fhirSyncProgress,
  ),
} as const;
