import { z } from 'zod';
import { method, stream } from './define';
import { qualityReport } from './products';

/** Dataset exports: a product through a de-identification profile to a file. @see issue 7 "Export". */

export const EXPORT_FORMATS = ['csv', 'fhir-ndjson', 'parquet'] as const;
export type ExportFormat = (typeof EXPORT_FORMATS)[number];
export const EXPORT_STATES = ['running', 'done', 'failed', 'cancelled'] as const;

const name = z.string().regex(/^[a-z0-9][a-z0-9-]{1,47}$/, 'a product or profile name');
const exportId = z.string().regex(/^[0-9a-f]{16}$/, 'an export id (16 hex digits)');

/** What the k-anonymity gate did, stated so a privacy officer can check it. */
export const gateReport = z.object({
  k: z.number().int(),
  quasiIdentifiers: z.array(z.string()),
  onSmallClass: z.enum(['suppress', 'generalize']),
  /** Smallest equivalence class (distinct patients) in the released rows; null when nothing was released. */
  kAchieved: z.number().int().nullable(),
  classes: z.number().int(),
  patients: z.object({
    total: z.number().int(),
    released: z.number().int(),
    generalized: z.number().int(),
    suppressed: z.number().int(),
  }),
  /** Rows held back, by reason. */
  suppressed: z.array(z.object({ reason: z.string(), patients: z.number().int(), rows: z.number().int() })),
  rowsSuppressed: z.number().int(),
});
export type GateReport = z.infer<typeof gateReport>;

export const releaseReport = z.object({
  product: z.string(),
  productVersion: z.number().int(),
  profile: z.string(),
  profileVersion: z.number().int(),
  range: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  gate: gateReport,
  quality: qualityReport,
  rowCount: z.number().int(),
  columns: z.array(z.string()),
  format: z.enum(EXPORT_FORMATS),
  /** SHA-256 of the data file. */
  sha256: z.string(),
  createdAt: z.string(),
});
export type ReleaseReport = z.infer<typeof releaseReport>;

export const exportFile = z.object({
  kind: z.enum(['data', 'manifest', 'report']),
  /** Absolute path under the data dir's exports/datasets/. */
  path: z.string(),
  name: z.string(),
  bytes: z.number().int(),
  sha256: z.string(),
});

export const exportStatus = z.object({
  exportId: z.string(),
  product: z.string(),
  productVersion: z.number().int(),
  profile: z.string(),
  profileVersion: z.number().int(),
  format: z.enum(EXPORT_FORMATS),
  range: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  createdBy: z.string(),
  state: z.enum(EXPORT_STATES),
  written: z.number().int(),
  /** Source rows expected (an estimate before the gate); progress is written / total. */
  total: z.number().int(),
  progress: z.number().min(0).max(1),
  report: releaseReport.optional(),
  files: z.array(exportFile).optional(),
  manifestSha256: z.string().optional(),
  error: z.string().optional(),
  createdAt: z.string(),
  finishedAt: z.string().optional(),
});
export type ExportStatus = z.infer<typeof exportStatus>;

export const exportMethods = {
  'exports.create': method(
    'Start exporting a product through a de-identification profile; follow it with exports.progress or exports.get.',
    z
      .object({
        product: name,
        profile: name,
        format: z.enum(EXPORT_FORMATS),
        from: z.iso.datetime({ offset: true }).optional(),
        to: z.iso.datetime({ offset: true }).optional(),
      })
      .strict()
      .refine((r) => !r.from || !r.to || Date.parse(r.from) < Date.parse(r.to), {
        message: 'from must be before to',
        path: ['to'],
      }),
    z.object({ exportId: z.string() }),
  ),
  'exports.get': method(
    'Status, progress, release report and files of one of your exports.',
    z.object({ exportId }).strict(),
    exportStatus,
  ),
  'exports.list': method(
    'Your exports, newest first.',
    z.object({ limit: z.number().int().min(1).max(200).default(50) }).strict(),
    z.object({ exports: z.array(exportStatus) }),
  ),
  'exports.cancel': method(
    'Stop a running export; its partial file is removed.',
    z.object({ exportId }).strict(),
    exportStatus,
  ),
} as const;

export const exportProgressEvent = z.object({
  exportId: z.string(),
  state: z.enum(EXPORT_STATES),
  written: z.number().int(),
  total: z.number().int(),
  progress: z.number(),
});

export const exportStreams = {
  'exports.progress': stream(
    'Progress of one export until it finishes (at most a few events a second).',
    z.object({ exportId }).strict(),
    exportProgressEvent,
  ),
} as const;
