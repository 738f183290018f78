import { z } from 'zod';

/** ok, or how bad: a warning wants attention today, critical wants it now. */
export const HEALTH_STATUSES = ['ok', 'warning', 'critical'] as const;
export const healthStatus = z.enum(HEALTH_STATUSES);
export type HealthStatus = z.infer<typeof healthStatus>;

/** One thing a probe watches (a device, a FHIR source, a certificate, a peer), with its figures. */
export const healthItem = z.object({
  name: z.string(),
  status: healthStatus,
  facts: z.record(z.string(), z.union([z.string(), z.number(), z.boolean(), z.null()])),
});
export type HealthItem = z.infer<typeof healthItem>;

/** What one subsystem's probe reported. New subsystems (the mesh) add a probe, not a schema. */
export const probeReport = z.object({
  id: z.string(),
  label: z.string(),
  status: healthStatus,
  /** One line for the Health page's heading of this subsystem. */
  summary: z.string(),
  items: z.array(healthItem),
});
export type ProbeReport = z.infer<typeof probeReport>;

export const healthAlert = z.object({
  /** rule + subject: stable while the condition lasts, so a banner and a webhook can track it. */
  id: z.string(),
  rule: z.string(),
  severity: z.enum(['warning', 'critical']),
  subject: z.string(),
  message: z.string(),
  since: z.string(),
});
export type HealthAlert = z.infer<typeof healthAlert>;

/** node.health's operational part (issue 9); optional in node.health for hosts that don't run it. */
export const operationsHealth = z.object({
  disk: z.object({
    freeBytes: z.number().nonnegative(),
    totalBytes: z.number().nonnegative(),
    freePercent: z.number().min(0).max(100),
  }),
  lastBackupAt: z.string().nullable(),
  probes: z.array(probeReport),
  alerts: z.array(healthAlert),
});
export type OperationsHealth = z.infer<typeof operationsHealth>;
