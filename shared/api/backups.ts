import { z } from 'zod';
import { method } from './define';

export const backupRunView = z.object({
  id: z.number().int(),
  startedAt: z.string(),
  finishedAt: z.string(),
  file: z.string(),
  bytes: z.number().int().nullable(),
  schemaVersion: z.number().int().nullable(),
  /** ok = written, opened with the key, integrity_check ok, schema version known. */
  outcome: z.enum(['ok', 'failed']),
  error: z.string().nullable(),
});
export type BackupRunView = z.infer<typeof backupRunView>;

export const backupStatus = z.object({
  configured: z.boolean(),
  dir: z.string().nullable(),
  intervalHours: z.number().nullable(),
  keep: z.number().int().nullable(),
  lastSuccess: backupRunView.nullable(),
  recent: z.array(backupRunView),
});
export type BackupStatus = z.infer<typeof backupStatus>;

export const backupMethods = {
  'backups.status': method(
    'Scheduled backups: folder, interval, how many are kept, the last verified one and recent runs.',
    z.object({}).strict(),
    backupStatus,
  ),
  'backups.run': method(
    'Writes and verifies a backup into the configured folder now.',
    z.object({}).strict(),
    backupRunView,
  ),
} as const;
