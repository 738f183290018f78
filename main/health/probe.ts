import type { HealthItem, HealthStatus, ProbeReport } from '../../shared/api/health';
import type { AlertSettings } from '../config/operations';

/** A condition a probe found: fires while it is reported, clears when it no longer is. */
export interface AlertCondition {
  readonly rule: string;
  readonly severity: 'warning' | 'critical';
  /** What it is about: a device id, a source name, a file. Never a patient. */
  readonly subject: string;
  readonly message: string;
}

export interface ProbeResult {
  readonly report: ProbeReport;
  readonly alerts: readonly AlertCondition[];
}

export interface ProbeContext {
  readonly now: number;
  readonly settings: AlertSettings;
}

/**
 * One subsystem's health check. The monitor runs every probe it was given (main/node.ts composes
 * them); a subsystem added later, like the mesh's peers, brings its own probe and its own rules.
 */
export interface HealthProbe {
  readonly id: string;
  readonly label: string;
  collect(ctx: ProbeContext): ProbeResult;
}

const RANK: Record<HealthStatus, number> = { ok: 0, warning: 1, critical: 2 };

export const worst = (statuses: readonly HealthStatus[]): HealthStatus =>
  statuses.reduce<HealthStatus>((a, b) => (RANK[b] > RANK[a] ? b : a), 'ok');

/** Builds a result whose status is the worst of its items and its alerts. */
export function result(
  probe: Pick<HealthProbe, 'id' | 'label'>,
  summary: string,
  items: HealthItem[],
  alerts: AlertCondition[] = [],
): ProbeResult {
  const status = worst([...items.map((i) => i.status), ...alerts.map((a) => a.severity)]);
  return { report: { id: probe.id, label: probe.label, status, summary, items }, alerts };
}

export const isoOrNull = (ms: number | null | undefined): string | null =>
  ms === null || ms === undefined ? null : new Date(ms).toISOString();
