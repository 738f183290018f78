import { randomUUID } from 'node:crypto';
import type { FhirSyncProgress, FhirSyncResult } from '../../../shared/api/fhir';
import type { VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { AuditInput } from '../../audit/chain';
import type { Logger } from '../../log/logger';
import type { Db } from '../../store/database';
import type { RetryPolicy } from './connection';
import { SourceStore } from './source-store';
import { runSync } from './sync';

export interface FhirServiceDeps {
  readonly db: Db;
  readonly catalog: VitalCatalog;
  readonly logger: Logger;
  /** Appends to the audit chain; used for runs the node starts itself (the schedule). */
  readonly audit: (entry: AuditInput) => void;
  readonly now?: () => number;
  readonly retry?: RetryPolicy;
  /** How often the schedule looks for sources that are due (ms). */
  readonly tickMs?: number;
}

/**
 * FHIR sources at run time: one sync per source at a time (a second request joins the running
 * one), the interval schedule, and the progress events the Sources screen and CLI show.
 */
export class FhirService {
  readonly sources: SourceStore;
  private readonly running = new Map<number, Promise<FhirSyncResult>>();
  private readonly listeners = new Set<(p: FhirSyncProgress) => void>();
  private readonly abort = new AbortController();
  private timer: NodeJS.Timeout | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: FhirServiceDeps) {
    this.now = deps.now ?? Date.now;
    this.sources = new SourceStore(deps.db, this.now);
    // A run cut short by a crash left 'running'; its cursor is at its last committed page.
    this.sources.resetRunning();
  }

  /** Starts the interval schedule. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => this.runDue(), this.deps.tickMs ?? 15_000);
    this.timer.unref();
  }

  /** Progress of every run; returns the unsubscribe function. */
  onProgress(listener: (p: FhirSyncProgress) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  isRunning(sourceId: number): boolean {
    return this.running.has(sourceId);
  }

  /** Runs a sync of one source now, or joins the one already running. */
  sync(sourceId: number): Promise<FhirSyncResult> {
    const current = this.running.get(sourceId);
    if (current) return current;
    const source = this.sources.require(sourceId);
    const runId = randomUUID();
    const emit = (p: Omit<FhirSyncProgress, 'sourceId' | 'runId'>) => {
      for (const listener of this.listeners) {
        try {
          listener({ sourceId, runId, ...p });
        } catch (error) {
          this.deps.logger.warn({ err: error }, 'FHIR progress listener failed');
        }
      }
    };
    this.sources.markRunning(sourceId);
    let streams = 0;
    const run = runSync(source, {
      db: this.deps.db,
      catalog: this.deps.catalog,
      logger: this.deps.logger.child({ sourceId }),
      now: this.now,
      signal: this.abort.signal,
      ...(this.deps.retry ? { retry: this.deps.retry } : {}),
      onProgress: (p) => {
        streams = p.streamsTotal;
        emit({ ...p, outcome: null });
      },
    })
      .then((result) => {
        // The source may have been removed while it ran; then there is nothing to update.
        if (this.sources.get(sourceId))
          this.sources.finish(sourceId, result.outcome, result.counts, result.message, result.issues);
        emit({
          phase: 'finished',
          resourceType: null,
          counts: result.counts,
          streamsDone: streams,
          streamsTotal: streams,
          total: null,
          outcome: result.outcome,
          message: result.message,
        });
        this.deps.logger.info(
          { sourceId, outcome: result.outcome, ...result.counts, durationMs: result.durationMs },
          'FHIR sync finished',
        );
        return result;
      })
      .finally(() => this.running.delete(sourceId));
    this.running.set(sourceId, run);
    return run;
  }

  /** Sources whose interval has passed (and that IT hasn't had stopped) are synced and audited. */
  runDue(): void {
    const now = this.now();
    for (const s of this.sources.all()) {
      if (!s.enabled || s.intervalSeconds === null || s.state === 'stopped' || this.running.has(s.id))
        continue;
      if (s.lastRunAt !== null && s.lastRunAt + s.intervalSeconds * 1000 > now) continue;
      this.sync(s.id)
        .then((result) => this.deps.audit(syncAuditEntry(result, 'system:fhir-schedule')))
        .catch((error: unknown) =>
          this.deps.logger.error({ err: error, sourceId: s.id }, 'scheduled FHIR sync failed'),
        );
    }
  }

  /** Stops the schedule, cancels running syncs (their committed pages stay) and waits for them. */
  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.abort.abort();
    await Promise.allSettled([...this.running.values()]);
  }
}

/** The audit line of a run the node started itself. */
export function syncAuditEntry(result: FhirSyncResult, actor: string): AuditInput {
  return {
    actor,
    host: 'node',
    action: 'fhir.sync',
    target: `fhir-source:${result.sourceId}`,
    outcome: result.outcome,
    details: syncAuditDetails(result),
  };
}

/** Counts and outcome only: no resource content, so no PHI. */
export function syncAuditDetails(result: FhirSyncResult): Record<string, unknown> {
  return {
    syncOutcome: result.outcome,
    ...result.counts,
    durationMs: result.durationMs,
    ...(result.message ? { message: result.message.slice(0, 300) } : {}),
  };
}
