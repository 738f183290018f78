import { z } from 'zod';
import { method } from './define';

/** What kind of data a table holds (see main/retention/classification.ts). */
export const DATA_CLASSES = ['phi', 'deidentified', 'operational'] as const;
export const dataClass = z.enum(DATA_CLASSES);
export type DataClass = z.infer<typeof dataClass>;

export const tableClassification = z.object({
  table: z.string(),
  dataClass,
  description: z.string(),
  /** The retention class that disposes of this table's rows; null = kept (or not patient data). */
  retentionClass: z.string().nullable(),
});
export type TableClassification = z.infer<typeof tableClassification>;

/** Longest period IT may set: 100 years. */
export const MAX_KEEP_DAYS = 36_500;
export const keepDays = z.number().int().min(1).max(MAX_KEEP_DAYS).nullable();

export const retentionClassView = z.object({
  id: z.string(),
  label: z.string(),
  dataClass,
  tables: z.array(z.string()),
  /** null = keep forever (the default until IT sets a period). */
  keepDays,
  updatedAt: z.string().nullable(),
  updatedBy: z.string().nullable(),
});
export type RetentionClassView = z.infer<typeof retentionClassView>;

export const retentionRunView = z.object({
  id: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string().nullable(),
  dryRun: z.boolean(),
  actor: z.string(),
  classes: z.array(
    z.object({
      class: z.string(),
      /** Everything older than this went (or would go); null = the class is kept. */
      cutoff: z.string().nullable(),
      rows: z.number().int().nonnegative(),
    }),
  ),
  freedPages: z.number().int().nonnegative(),
  error: z.string().nullable(),
});
export type RetentionRunView = z.infer<typeof retentionRunView>;

export const retentionOverview = z.object({
  classification: z.array(tableClassification),
  classes: z.array(retentionClassView),
  /** SQLite auto_vacuum: only 'incremental' lets a purge give space back to the disk. */
  autoVacuum: z.enum(['none', 'full', 'incremental']),
  /** Hours between scheduled runs; 0 = no schedule (Run now only). */
  scheduleHours: z.number().nonnegative(),
  runs: z.array(retentionRunView),
});
export type RetentionOverview = z.infer<typeof retentionOverview>;

export const retentionMethods = {
  'retention.overview': method(
    'Data classification, retention period per class, vacuum mode and the last runs.',
    z.object({}).strict(),
    retentionOverview,
  ),
  'retention.setPolicy': method(
    'Sets how many days a retention class is kept (null = keep). The audit chain has no class: it is never purged.',
    z.object({ class: z.string().min(1).max(64), keepDays }).strict(),
    retentionClassView,
  ),
  'retention.run': method(
    'Runs the purge now (dryRun: count only, delete nothing); one audit entry with counts per class.',
    z.object({ dryRun: z.boolean().default(false) }).strict(),
    retentionRunView,
  ),
} as const;
