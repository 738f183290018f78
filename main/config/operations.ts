import { resolve } from 'node:path';
import { z } from 'zod';

/**
 * Settings for running a node for years (issue 9): retention schedule, scheduled backups, alert
 * thresholds and the Prometheus endpoint. `operations` in config.json; a few have environment
 * twins (below). Defaults are what a facility gets without writing anything.
 */
export const operationsFileSchema = z
  .object({
    /** Hours between retention runs; 0 = only when IT presses Run now. */
    retentionScheduleHours: z.number().min(0).max(720).optional(),
    backup: z
      .object({
        /** Where scheduled backups go: a local folder or a mounted NAS path. */
        dir: z.string().min(1),
        intervalHours: z.number().min(0.01).max(720).default(24),
        /** Verified backups kept; older ones are removed after a new one verifies. */
        keep: z.number().int().min(1).max(1000).default(7),
      })
      .strict()
      .optional(),
    alerts: z
      .object({
        feedSilentMinutes: z.number().positive().max(1440).optional(),
        freeDiskPercent: z.number().min(0).max(100).optional(),
        backupMaxAgeHours: z.number().positive().max(720).optional(),
        certificateDays: z.number().int().min(1).max(365).optional(),
        /** How often the audit chain is verified in the background. */
        auditVerifyHours: z.number().positive().max(168).optional(),
        /** POSTed a JSON body each time an alert fires or clears. */
        webhookUrl: z.string().url().optional(),
        checkSeconds: z.number().int().min(1).max(3600).optional(),
      })
      .strict()
      .optional(),
    /** Prometheus text format at /metrics on the console host. Off unless asked for. */
    metrics: z.boolean().optional(),
  })
  .strict();
export type OperationsFile = z.infer<typeof operationsFileSchema>;

export interface AlertSettings {
  /** A device that sent within the last day but not for this long is a silent feed. */
  readonly feedSilentMinutes: number;
  readonly freeDiskPercent: number;
  readonly backupMaxAgeHours: number;
  readonly certificateDays: number;
  readonly auditVerifyHours: number;
  readonly webhookUrl: string | undefined;
  readonly checkSeconds: number;
}

export interface OperationsConfig {
  readonly retentionScheduleHours: number;
  readonly backup:
    { readonly dir: string; readonly intervalHours: number; readonly keep: number } | undefined;
  readonly alerts: AlertSettings;
  readonly metrics: boolean;
}

export const ALERT_DEFAULTS: Omit<AlertSettings, 'webhookUrl'> = {
  feedSilentMinutes: 5,
  freeDiskPercent: 10,
  backupMaxAgeHours: 24,
  certificateDays: 30,
  auditVerifyHours: 6,
  checkSeconds: 30,
};

const positive = z.coerce.number().positive();
const flag = z.enum(['0', '1', 'true', 'false']).transform((v) => v === '1' || v === 'true');

function fromEnv<T>(env: NodeJS.ProcessEnv, name: string, schema: z.ZodType<T>): T | undefined {
  const raw = env[name];
  if (raw === undefined || raw === '') return undefined;
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new Error(`${name}=${JSON.stringify(raw)} is not valid: ${parsed.error.issues[0]?.message}`);
  return parsed.data;
}

/**
 * Environment wins over config.json: VITALMESH_BACKUP_DIR, VITALMESH_METRICS=1,
 * VITALMESH_FEED_SILENT_MINUTES, VITALMESH_ALERT_WEBHOOK. A relative backup dir in config.json is
 * relative to the data dir.
 */
export function operationsConfig(
  file: OperationsFile | undefined,
  env: NodeJS.ProcessEnv,
  dataDir: string,
): OperationsConfig {
  const envBackup = env.VITALMESH_BACKUP_DIR;
  const backupDir = envBackup ? resolve(envBackup) : file?.backup && resolve(dataDir, file.backup.dir);
  const a = file?.alerts ?? {};
  return {
    retentionScheduleHours: file?.retentionScheduleHours ?? 24,
    backup: backupDir
      ? { dir: backupDir, intervalHours: file?.backup?.intervalHours ?? 24, keep: file?.backup?.keep ?? 7 }
      : undefined,
    alerts: {
      feedSilentMinutes:
        fromEnv(env, 'VITALMESH_FEED_SILENT_MINUTES', positive) ??
        a.feedSilentMinutes ??
        ALERT_DEFAULTS.feedSilentMinutes,
      freeDiskPercent: a.freeDiskPercent ?? ALERT_DEFAULTS.freeDiskPercent,
      backupMaxAgeHours: a.backupMaxAgeHours ?? ALERT_DEFAULTS.backupMaxAgeHours,
      certificateDays: a.certificateDays ?? ALERT_DEFAULTS.certificateDays,
      auditVerifyHours: a.auditVerifyHours ?? ALERT_DEFAULTS.auditVerifyHours,
      webhookUrl: env.VITALMESH_ALERT_WEBHOOK || a.webhookUrl,
      checkSeconds:
        fromEnv(env, 'VITALMESH_HEALTH_CHECK_SECONDS', positive) ??
        a.checkSeconds ??
        ALERT_DEFAULTS.checkSeconds,
    },
    metrics: fromEnv(env, 'VITALMESH_METRICS', flag) ?? file?.metrics ?? false,
  };
}
