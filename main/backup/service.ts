import { mkdirSync, readdirSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import type { BackupRunView, BackupStatus } from '../../shared/api/backups';
import { ApiError } from '../../shared/api/errors';
import type { AuditInput } from '../audit/chain';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';
import type { KeySource } from '../store/key-source';
import { backupDatabase } from '../store/maintenance';

export interface BackupSettings {
  readonly dir: string;
  readonly intervalHours: number;
  readonly keep: number;
}

export interface BackupDeps {
  readonly db: Db;
  readonly dataDir: string;
  readonly keys: KeySource;
  /** undefined = no folder configured: no schedule, and Run now says what to set. */
  readonly settings: BackupSettings | undefined;
  readonly audit: (entry: AuditInput) => void;
  readonly logger: Logger;
  readonly now?: () => number;
}

interface RunRow {
  id: number;
  started_at: number;
  finished_at: number;
  file: string;
  bytes: number | null;
  schema_version: number | null;
  outcome: 'ok' | 'failed';
  error: string | null;
}

/** Scheduled backups are named so they sort by time and so pruning never touches other files. */
const NAME = /^vitalmesh-\d{4}-\d{2}-\d{2}T\d{2}-\d{2}-\d{2}-\d{3}Z\.db$/;
const nameFor = (at: number) => `vitalmesh-${new Date(at).toISOString().replace(/[:.]/g, '-')}.db`;

const toView = (r: RunRow): BackupRunView => ({
  id: r.id,
  startedAt: new Date(r.started_at).toISOString(),
  finishedAt: new Date(r.finished_at).toISOString(),
  file: r.file,
  bytes: r.bytes,
  schemaVersion: r.schema_version,
  outcome: r.outcome,
  error: r.error,
});

/**
 * Backups on a schedule into the configured folder: each one the store's own encrypted, verified
 * copy (VACUUM INTO, then open + integrity_check + schema version; see store/maintenance.ts),
 * then all but the newest `keep` scheduled backups removed. A failure is a row here, an audit
 * entry, and (through the health rules) an alert.
 *
 * The copy runs on the node's thread: a large store holds the event loop for the seconds the
 * copy takes (monitors' messages wait and are ACKed after).
 */
const DUE_CHECK_MS = 60_000;
const RETRY_FAILED_MS = 3_600_000;

export class BackupService {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<BackupRunView> | undefined;
  private readonly now: () => number;

  constructor(private readonly deps: BackupDeps) {
    this.now = deps.now ?? Date.now;
  }

  /**
   * Checks each minute whether a backup is due: none taken yet, the last good one older than the
   * interval, or a failed one older than an hour (retried, not hammered). Counting from the last
   * run rather than from start means a node that was down at backup time catches up once up.
   */
  start(): void {
    const s = this.deps.settings;
    if (!s) return;
    const intervalMs = s.intervalHours * 3_600_000;
    this.timer = setInterval(() => {
      if (this.running) return;
      const last = this.rows('SELECT * FROM backup_runs ORDER BY id DESC LIMIT 1')[0];
      const wait = !last ? 0 : last.outcome === 'ok' ? intervalMs : Math.min(intervalMs, RETRY_FAILED_MS);
      if (last && this.now() - last.finished_at < wait) return;
      void this.run('system:backup').catch(() => undefined);
    }, DUE_CHECK_MS);
    this.timer.unref();
  }

  async close(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  private rows(sql: string, ...args: unknown[]): RunRow[] {
    return this.deps.db.prepare(sql).all(...args) as RunRow[];
  }

  status(): BackupStatus {
    const s = this.deps.settings;
    const lastOk = this.rows("SELECT * FROM backup_runs WHERE outcome = 'ok' ORDER BY id DESC LIMIT 1")[0];
    return {
      configured: s !== undefined,
      dir: s?.dir ?? null,
      intervalHours: s?.intervalHours ?? null,
      keep: s?.keep ?? null,
      lastSuccess: lastOk ? toView(lastOk) : null,
      recent: this.rows('SELECT * FROM backup_runs ORDER BY id DESC LIMIT 20').map(toView),
    };
  }

  /** The newest run, whatever its outcome: the "last backup failed" alert reads it. */
  last(): BackupRunView | undefined {
    const row = this.rows('SELECT * FROM backup_runs ORDER BY id DESC LIMIT 1')[0];
    return row && toView(row);
  }

  /** `audit: 'caller'` (an API call) leaves the one audit entry to the dispatcher. */
  run(actor: string, audit: 'self' | 'caller' = 'self'): Promise<BackupRunView> {
    if (!this.deps.settings) {
      return Promise.reject(
        new ApiError(
          'conflict',
          'no backup folder is configured: set operations.backup.dir in config.json or VITALMESH_BACKUP_DIR',
        ),
      );
    }
    this.running ??= this.execute(this.deps.settings, actor, audit).finally(() => {
      this.running = undefined;
    });
    return this.running;
  }

  private async execute(
    settings: BackupSettings,
    actor: string,
    audit: 'self' | 'caller',
  ): Promise<BackupRunView> {
    const startedAt = this.now();
    const file = join(settings.dir, nameFor(startedAt));
    let bytes: number | null = null;
    let version: number | null = null;
    let error: string | null = null;
    let removed: string[] = [];
    try {
      mkdirSync(settings.dir, { recursive: true, mode: 0o700 });
      const report = await backupDatabase(this.deps.dataDir, this.deps.keys, file);
      bytes = report.bytes;
      version = report.schemaVersion;
      removed = this.prune(settings);
    } catch (e) {
      error = (e as Error).message;
      this.deps.logger.error({ err: error, file }, 'backup failed');
    }
    const id = Number(
      this.deps.db
        .prepare(
          `INSERT INTO backup_runs (started_at, finished_at, file, bytes, schema_version, outcome, error)
           VALUES (?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(startedAt, this.now(), file, bytes, version, error ? 'failed' : 'ok', error).lastInsertRowid,
    );
    if (audit === 'self')
      this.deps.audit({
        actor,
        host: 'node',
        action: 'backup.scheduled',
        target: `file:${file}`,
        outcome: error ? 'internal' : 'ok',
        details: { runId: id, bytes, schemaVersion: version, removed, ...(error ? { error } : {}) },
      });
    return toView(this.rows('SELECT * FROM backup_runs WHERE id = ?', id)[0]!);
  }

  /** Keeps the newest `keep` verified backups of ours; files of any other name are left alone. */
  private prune(settings: BackupSettings): string[] {
    const ours = readdirSync(settings.dir)
      .filter((n) => NAME.test(n))
      .sort();
    const old = ours.slice(0, Math.max(0, ours.length - settings.keep));
    for (const name of old) rmSync(join(settings.dir, name), { force: true });
    return old;
  }
}
