import type { HealthAlert, OperationsHealth } from '../../shared/api/health';
import type { AuditInput } from '../audit/chain';
import type { AlertSettings } from '../config/operations';
import type { Logger } from '../log/logger';
import type { AlertState } from './alert-state';
import type { diskOf } from './probes';
import type { AlertCondition, HealthProbe } from './probe';

export interface HealthMonitorDeps {
  readonly probes: readonly HealthProbe[];
  readonly settings: AlertSettings;
  readonly disk: () => ReturnType<typeof diskOf>;
  readonly lastBackupAt: () => string | null;
  /** Each firing and clearing is an audit entry, so it reaches the SIEM with the chain (syslog). */
  readonly audit: (entry: AuditInput) => void;
  readonly logger: Logger;
  readonly facility: string;
  /** Firing alerts kept across restarts; without it each start announces them afresh. */
  readonly state?: AlertState;
  readonly now?: () => number;
  /** Replaces fetch for the webhook (tests); default: global fetch. */
  readonly post?: (url: string, body: string) => Promise<void>;
}

export type AlertEvent = { kind: 'fired' | 'cleared'; alert: HealthAlert };

/**
 * Runs every probe on a timer and on each node.health call, keeps the set of firing alerts, and
 * announces each change once: an audit entry (action alert.fired / alert.cleared; forwarded by
 * the audit syslog when configured) and, if a webhook is set, a JSON POST.
 */
export class HealthMonitor {
  private readonly active = new Map<string, HealthAlert>();
  private timer: NodeJS.Timeout | undefined;
  private last: { at: number; health: OperationsHealth } | undefined;
  private readonly listeners = new Set<(event: AlertEvent) => void>();
  private readonly now: () => number;
  private pending: Promise<void>[] = [];

  constructor(private readonly deps: HealthMonitorDeps) {
    this.now = deps.now ?? Date.now;
    // What was firing when the node stopped: still firing at the first check → no new
    // announcement (and the same `since`); gone by then → announced as cleared.
    for (const alert of deps.state?.load() ?? []) this.active.set(alert.id, alert);
  }

  start(): void {
    this.check();
    this.timer = setInterval(() => this.check(), this.deps.settings.checkSeconds * 1000);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled(this.pending);
  }

  onAlert(listener: (event: AlertEvent) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /**
   * The last check (the timer's): reading health never fires or clears an alert itself, so an
   * API call is audited once, and every reader sees the same alerts the webhook was told about.
   */
  health(): OperationsHealth {
    return this.last?.health ?? this.check();
  }

  check(): OperationsHealth {
    const now = this.now();
    const ctx = { now, settings: this.deps.settings };
    const conditions: AlertCondition[] = [];
    const probes = this.deps.probes.map((probe) => {
      try {
        const r = probe.collect(ctx);
        conditions.push(...r.alerts);
        return r.report;
      } catch (error) {
        // A broken probe is itself worth an alert, and must not hide the others.
        const message = `the ${probe.label} check failed: ${(error as Error).message}`;
        conditions.push({ rule: 'probe-failed', severity: 'warning', subject: probe.id, message });
        return { id: probe.id, label: probe.label, status: 'warning' as const, summary: message, items: [] };
      }
    });
    this.reconcile(conditions, now);
    const health: OperationsHealth = {
      disk: this.deps.disk(),
      lastBackupAt: this.deps.lastBackupAt(),
      probes,
      alerts: [...this.active.values()],
    };
    this.last = { at: now, health };
    return health;
  }

  private reconcile(conditions: readonly AlertCondition[], now: number): void {
    const seen = new Set<string>();
    let changed = false;
    for (const c of conditions) {
      const id = `${c.rule}:${c.subject}`;
      seen.add(id);
      const existing = this.active.get(id);
      if (existing) {
        // Same condition, fresher words (an age that grows); severity may rise or fall.
        this.active.set(id, { ...existing, message: c.message, severity: c.severity });
        continue;
      }
      const alert: HealthAlert = { id, ...c, since: new Date(now).toISOString() };
      this.active.set(id, alert);
      changed = true;
      this.announce({ kind: 'fired', alert });
    }
    for (const [id, alert] of this.active) {
      if (seen.has(id)) continue;
      this.active.delete(id);
      changed = true;
      this.announce({ kind: 'cleared', alert });
    }
    if (changed) this.deps.state?.save([...this.active.values()]);
  }

  private announce(event: AlertEvent): void {
    const { alert } = event;
    this.deps.logger.warn({ alert: alert.id, kind: event.kind }, `alert ${event.kind}: ${alert.message}`);
    this.deps.audit({
      actor: 'system:health',
      host: 'node',
      action: `alert.${event.kind}`,
      target: alert.id,
      outcome: event.kind === 'fired' ? alert.severity : 'ok',
      details: {
        rule: alert.rule,
        subject: alert.subject,
        severity: alert.severity,
        message: alert.message,
        since: alert.since,
      },
    });
    for (const listener of this.listeners) listener(event);
    const url = this.deps.settings.webhookUrl;
    if (!url) return;
    const body = JSON.stringify({
      event: event.kind,
      facility: this.deps.facility,
      at: new Date(this.now()).toISOString(),
      alert,
    });
    const post = this.deps.post ?? postJson;
    const sent = post(url, body).catch((error: unknown) =>
      this.deps.logger.warn({ alert: alert.id, err: (error as Error).message }, 'alert webhook failed'),
    );
    this.pending.push(sent);
    void sent.finally(() => {
      this.pending = this.pending.filter((p) => p !== sent);
    });
  }
}

async function postJson(url: string, body: string): Promise<void> {
  const response = await fetch(url, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body,
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`webhook answered ${response.status}`);
}
