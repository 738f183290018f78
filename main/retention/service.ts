import { setTimeout as sleep } from 'node:timers/promises';
import type { RetentionClassView, RetentionOverview, RetentionRunView } from '../../shared/api/retention';
import { ApiError } from '../../shared/api/errors';
import type { AuditInput } from '../audit/chain';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';
import { autoVacuumMode } from '../store/maintenance';
import { CLASSIFICATION } from './classification';
import type { RetentionClass } from './classes';

const DAY_MS = 86_400_000;

export interface RetentionDeps {
  readonly db: Db;
  readonly classes: readonly RetentionClass[];
  readonly audit: (entry: AuditInput) => void;
  readonly logger: Logger;
  /** Hours between scheduled runs; 0 = none. */
  readonly scheduleHours: number;
  /** Rows per delete transaction (default 2,000: ~10–30 ms on this hardware, see bench/retention.ts). */
  readonly batchRows?: number;
  /** Pages handed back to the disk per incremental_vacuum step. */
  readonly vacuumPages?: number;
  /**
   * Pause between batches so ingest on the same connection and event loop gets its turn: at least
   * this long (default 5 ms), and at least as long as the batch took, so the purge holds at most
   * half of the event loop however slow the disk is.
   */
  readonly pauseMs?: number;
  readonly now?: () => number;
}

interface PolicyRow {
  class: string;
  keep_days: number | null;
  updated_at: number;
  updated_by: string;
}

interface RunRow {
  id: number;
  started_at: number;
  finished_at: number | null;
  dry_run: number;
  actor: string;
  counts: string;
  freed_pages: number;
  error: string | null;
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/**
 * Retention and disposal: a period per class set by IT, and a job that deletes what is past it in
 * bounded batches, then gives the freed pages back with incremental vacuum, and appends one audit
 * entry per run with its counts. The audit chain has no class here: it is never purged.
 */
export class RetentionService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<RetentionRunView> | undefined;
  private closed = false;
  private readonly now: () => number;
  /** How long the last run spent deleting and vacuuming (benchmarks, logs). */
  lastTimings: { deleteMs: number; vacuumMs: number } | undefined;

  constructor(private readonly deps: RetentionDeps) {
    this.now = deps.now ?? Date.now;
    for (const c of deps.classes) {
      if (c.tables.includes('audit_log'))
        throw new Error(`retention class ${c.id} may not touch the audit chain`);
    }
  }

  start(): void {
    if (this.deps.scheduleHours <= 0) return;
    const every = this.deps.scheduleHours * 3_600_000;
    this.timer = setInterval(() => {
      if (this.running) return;
      this.run({ dryRun: false, actor: 'system:retention' }).catch((error: unknown) =>
        this.deps.logger.error({ err: (error as Error).message }, 'scheduled retention run failed'),
      );
    }, every);
    this.timer.unref();
  }

  async close(): Promise<void> {
    this.closed = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private policies(): Map<string, PolicyRow> {
    const rows = this.deps.db.prepare('SELECT * FROM retention_policies').all() as PolicyRow[];
    return new Map(rows.map((r) => [r.class, r]));
  }

  classes(): RetentionClassView[] {
    const policies = this.policies();
    return this.deps.classes.map((c) => {
      const p = policies.get(c.id);
      return {
        id: c.id,
        label: c.label,
        dataClass: c.dataClass,
        tables: [...c.tables],
        keepDays: p?.keep_days ?? null,
        updatedAt: iso(p?.updated_at ?? null),
        updatedBy: p?.updated_by ?? null,
      };
    });
  }

  overview(): RetentionOverview {
    const runs = this.deps.db
      .prepare('SELECT * FROM retention_runs ORDER BY id DESC LIMIT 10')
      .all() as RunRow[];
    return {
      classification: [...CLASSIFICATION],
      classes: this.classes(),
      autoVacuum: autoVacuumMode(this.deps.db),
      scheduleHours: this.deps.scheduleHours,
      runs: runs.map(toView),
    };
  }

  setPolicy(id: string, keepDays: number | null, actor: string): RetentionClassView {
    if (!this.deps.classes.some((c) => c.id === id)) {
      const known = this.deps.classes.map((c) => c.id).join(', ');
      throw new ApiError('not_found', `there is no retention class "${id}" (known: ${known})`);
    }
    this.deps.db
      .prepare(
        `INSERT INTO retention_policies (class, keep_days, updated_at, updated_by) VALUES (?, ?, ?, ?)
         ON CONFLICT(class) DO UPDATE SET keep_days = excluded.keep_days, updated_at = excluded.updated_at,
         updated_by = excluded.updated_by`,
      )
      .run(id, keepDays, this.now(), actor);
    return this.classes().find((c) => c.id === id)!;
  }

  /**
   * One run at a time: a second caller gets the running one's result. `audit: 'caller'` (an API
   * call) leaves the run's one audit entry to the dispatcher, with `auditDetails` in it; otherwise
   * (the schedule) the run appends its own.
   */
  run(options: { dryRun: boolean; actor: string; audit?: 'self' | 'caller' }): Promise<RetentionRunView> {
    if (this.running) {
      if (options.dryRun) return Promise.reject(new ApiError('conflict', 'a retention run is in progress'));
      return this.running;
    }
    const run = this.execute(options).finally(() => {
      this.running = undefined;
    });
    this.running = run;
    return run;
  }

  private async execute({
    dryRun,
    actor,
    audit = 'self',
  }: {
    dryRun: boolean;
    actor: string;
    audit?: 'self' | 'caller';
  }): Promise<RetentionRunView> {
    const { db } = this.deps;
    const startedAt = this.now();
    const id = Number(
      db
        .prepare('INSERT INTO retention_runs (started_at, dry_run, actor) VALUES (?, ?, ?)')
        .run(startedAt, dryRun ? 1 : 0, actor).lastInsertRowid,
    );
    const policies = this.policies();
    const counts: Record<string, { cutoff: number | null; rows: number }> = {};
    let freedPages = 0;
    let error: string | null = null;
    const t0 = performance.now();
    let t1 = t0;
    try {
      for (const c of this.deps.classes) {
        const keep = policies.get(c.id)?.keep_days ?? null;
        // Fixed once per run: rows that age past the line during the run wait for the next one.
        const cutoff = keep === null ? null : startedAt - keep * DAY_MS;
        counts[c.id] = { cutoff, rows: 0 };
        if (cutoff === null) continue;
        if (dryRun) {
          counts[c.id]!.rows = c.count(cutoff);
          continue;
        }
        counts[c.id]!.rows = await this.drain(c, cutoff);
      }
      t1 = performance.now();
      if (!dryRun) freedPages = await this.vacuum();
    } catch (e) {
      error = (e as Error).message;
      this.deps.logger.error({ err: error, runId: id }, 'retention run failed');
    }
    this.lastTimings = { deleteMs: t1 - t0, vacuumMs: performance.now() - t1 };
    const finishedAt = this.now();
    db.prepare(
      'UPDATE retention_runs SET finished_at = ?, counts = ?, freed_pages = ?, error = ? WHERE id = ?',
    ).run(finishedAt, JSON.stringify(counts), freedPages, error, id);
    const details = auditDetails(id, dryRun, counts, freedPages, error);
    if (audit === 'self') {
      this.deps.audit({
        actor,
        host: 'node',
        action: dryRun ? 'retention.dryRun' : 'retention.purge',
        target: `retention-run:${id}`,
        outcome: error ? 'internal' : 'ok',
        details,
      });
    }
    this.deps.logger.info({ runId: id, dryRun, counts, freedPages }, 'retention run done');
    return toView(db.prepare('SELECT * FROM retention_runs WHERE id = ?').get(id) as RunRow);
  }

  private async drain(c: RetentionClass, cutoff: number): Promise<number> {
    const limit = this.deps.batchRows ?? 2000;
    let total = 0;
    for (;;) {
      if (this.closed) throw new Error('the node is closing; the run stopped between batches');
      const started = performance.now();
      const n = c.purgeBatch(cutoff, limit);
      total += n;
      if (n < limit) return total;
      // Between batches the write lock is free and the event loop runs ingest's group commits.
      await sleep(Math.max(this.deps.pauseMs ?? 5, performance.now() - started));
    }
  }

  /** Hands freed pages back in small steps; with auto_vacuum off they stay for reuse instead. */
  private async vacuum(): Promise<number> {
    const { db } = this.deps;
    if (autoVacuumMode(db) !== 'incremental') return 0;
    const step = this.deps.vacuumPages ?? 1000;
    let freed = 0;
    for (;;) {
      const before = db.pragma('freelist_count', { simple: true }) as number;
      if (before === 0) return freed;
      db.pragma(`incremental_vacuum(${step})`);
      const after = db.pragma('freelist_count', { simple: true }) as number;
      freed += before - after;
      if (after === before || this.closed) return freed;
      await sleep(this.deps.pauseMs ?? 5);
    }
  }
}

/** What the run's audit entry says: counts and cutoff per class, so disposal is provable. */
function auditDetails(
  runId: number,
  dryRun: boolean,
  counts: Record<string, { cutoff: number | null; rows: number }>,
  freedPages: number,
  error: string | null,
): Record<string, unknown> {
  return {
    runId,
    dryRun,
    counts: Object.fromEntries(
      Object.entries(counts).map(([k, v]) => [k, { rows: v.rows, cutoff: iso(v.cutoff) }]),
    ),
    freedPages,
    ...(error ? { error } : {}),
  };
}

/** The audit details of a finished run, for a caller (the API) that records the entry itself. */
export function runAuditDetails(view: RetentionRunView): Record<string, unknown> {
  return {
    runId: view.id,
    dryRun: view.dryRun,
    counts: Object.fromEntries(view.classes.map((c) => [c.class, { rows: c.rows, cutoff: c.cutoff }])),
    freedPages: view.freedPages,
    ...(view.error ? { error: view.error } : {}),
  };
}

function toView(row: RunRow): RetentionRunView {
  const counts = JSON.parse(row.counts) as Record<string, { cutoff: number | null; rows: number }>;
  return {
    id: row.id,
    startedAt: iso(row.started_at)!,
    finishedAt: iso(row.finished_at),
    dryRun: row.dry_run === 1,
    actor: row.actor,
    classes: Object.entries(counts).map(([cls, v]) => ({ class: cls, cutoff: iso(v.cutoff), rows: v.rows })),
    freedPages: row.freed_pages,
    error: row.error,
  };
}
