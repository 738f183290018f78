import { z } from 'zod';
import { method } from './define';

/** Filters shared by search and export. Times are ISO 8601 instants. */
export const auditFilter = z
  .object({
    from: z.iso.datetime({ offset: true }).optional(),
    to: z.iso.datetime({ offset: true }).optional(),
    actor: z.string().trim().min(1).max(128).optional(),
    action: z.string().trim().min(1).max(128).optional(),
    target: z.string().trim().min(1).max(256).optional(),
    patientId: z.number().int().positive().optional(),
    outcome: z.string().trim().min(1).max(64).optional(),
    /** Only accesses that broke the glass (for compliance review). */
    breakGlass: z.boolean().optional(),
  })
  .strict();
export type AuditFilter = z.infer<typeof auditFilter>;

export const auditEntry = z.object({
  seq: z.number().int(),
  at: z.string(),
  actor: z.string(),
  role: z.string().nullable(),
  host: z.string(),
  remoteAddress: z.string().nullable(),
  action: z.string(),
  target: z.string().nullable(),
  patientId: z.number().int().nullable(),
  outcome: z.string(),
  breakGlassReason: z.string().nullable(),
  details: z.record(z.string(), z.unknown()).nullable(),
});
export type AuditEntryView = z.infer<typeof auditEntry>;

export const auditVerifyResult = z.object({
  ok: z.boolean(),
  checked: z.number().int(),
  lastSeq: z.number().int(),
  firstBroken: z
    .object({
      seq: z.number().int(),
      problem: z.enum(['altered', 'missing', 'head_missing', 'head_altered', 'time_reversed']),
    })
    .optional(),
  verifiedAt: z.string(),
  durationMs: z.number(),
});
export type AuditVerifyResult = z.infer<typeof auditVerifyResult>;

export const AUDIT_EXPORT_FORMATS = ['csv', 'fhir-ndjson'] as const;

export const auditExportStatus = z.object({
  exportId: z.string(),
  format: z.enum(AUDIT_EXPORT_FORMATS),
  state: z.enum(['running', 'done', 'failed']),
  written: z.number().int(),
  total: z.number().int(),
  /** Where the node wrote it (owner-only folder under the data dir). */
  file: z.string().optional(),
  sha256: z.string().optional(),
  bytes: z.number().int().optional(),
  error: z.string().optional(),
});
export type AuditExportStatus = z.infer<typeof auditExportStatus>;

export const auditMethods = {
  'audit.search': method(
    'Audit entries matching the filters, newest first, one page at a time.',
    auditFilter.extend({
      /** Continue below this seq (the previous page's nextBefore). */
      before: z.number().int().positive().optional(),
      limit: z.number().int().min(1).max(500).default(50),
    }),
    z.object({ entries: z.array(auditEntry), nextBefore: z.number().int().nullable() }),
  ),
  'audit.verify': method(
    'Walk the whole chain and report the first altered or missing entry.',
    z.object({}).strict(),
    auditVerifyResult,
  ),
  'audit.patientReport': method(
    'Every access to one patient: who, when, how often, and which broke the glass.',
    z
      .object({
        patientId: z.number().int().positive(),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
      })
      .strict(),
    z.object({
      patientId: z.number().int(),
      total: z.number().int(),
      breakGlass: z.number().int(),
      byActor: z.array(
        z.object({
          actor: z.string(),
          role: z.string().nullable(),
          count: z.number().int(),
          firstAt: z.string(),
          lastAt: z.string(),
          breakGlass: z.number().int(),
        }),
      ),
      entries: z.array(auditEntry),
      truncated: z.boolean(),
    }),
  ),
  'audit.export': method(
    'Start writing the matching entries as CSV or FHIR R4 AuditEvent NDJSON; poll audit.exportStatus.',
    z.object({ format: z.enum(AUDIT_EXPORT_FORMATS), filter: auditFilter.default({}) }).strict(),
    auditExportStatus,
  ),
  'audit.exportStatus': method(
    'Progress and result of an audit export.',
    z.object({ exportId: z.string().min(1).max(64) }).strict(),
    auditExportStatus,
  ),
} as const;
