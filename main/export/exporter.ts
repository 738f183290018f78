import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { ExportFormat, ExportStatus, ReleaseReport } from '../../shared/api/exports';
import { GRAIN_MS } from '../../shared/api/products';
import type { AuditInput } from '../audit/chain';
import { planReleaseAsync, releaseBatches } from '../deid/pipeline';
import type { ProfileStore } from '../deid/profile-store';
import type { Logger } from '../log/logger';
import type { ProductCatalog } from '../products/catalog';
import type { Db } from '../store/database';
import { ExportJobs, type JobRecord } from './jobs';
import { HashingSink } from './sink';
import { EXTENSIONS, createWriter } from './writers';

/** Who asked for an export, for its closing audit entry and its owner check. */
export interface Requester {
  readonly userId: number;
  readonly username: string;
  readonly role: string;
  readonly host: string;
  readonly remoteAddress: string | null;
}

export interface ExportRequest {
  readonly product: string;
  readonly profile: string;
  readonly format: ExportFormat;
  readonly from?: string | undefined;
  readonly to?: string | undefined;
}

export interface ExporterDeps {
  readonly db: Db;
  readonly dataDir: string;
  readonly catalog: ProductCatalog;
  readonly profiles: ProfileStore;
  readonly audit: (entry: AuditInput) => void;
  readonly logger: Logger;
  /** Rows per page read from the store (tests use small pages to exercise cancel). */
  readonly pageSize?: number;
  /** Exports running at once, node-wide: each holds a core while it runs. */
  readonly maxRunning?: number;
  /** Largest data file an export may write; a larger one fails and is removed (disk quota). */
  readonly maxFileBytes?: number;
}

export class ExportCancelled extends Error {
  override name = 'ExportCancelled';
}

export class ExportBusyError extends Error {
  override name = 'ExportBusyError';
}

/**
 * <data dir>/exports/datasets/, owner-only. An export is written into a hidden `.ID.partial`
 * folder and renamed into place only when every file is complete and hashed, so a cancelled,
 * failed or interrupted export leaves nothing a person could mistake for a dataset.
 */
export function datasetDir(dataDir: string): string {
  const exportsDir = join(dataDir, 'exports');
  const dir = join(exportsDir, 'datasets');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  chmodSync(exportsDir, 0o700);
  chmodSync(dir, 0o700);
  return dir;
}

const sha256 = (text: string): string => createHash('sha256').update(text).digest('hex');
const PROGRESS_EVERY_MS = 200;
/**
 * Rows per batch. Smaller than the pipeline's default: a batch is alive while it is formatted
 * and written, and 2,000 rows die young, where 5,000 survive into the old generation and cost
 * mark-compact time (measured with bench/deid.ts: GC time fell by about three quarters).
 */
const EXPORT_PAGE_ROWS = 2000;

/**
 * Dataset exports: a product through a profile, streamed batch by batch from the release
 * pipeline into a writer, with progress, cancel, a release report and a manifest. The pseudonym
 * key is made for the export and forgotten after it, so no two exports can be joined.
 */
export class DatasetExporter {
  readonly jobs: ExportJobs;
  private readonly running = new Map<string, { cancel: boolean; done: Promise<ExportStatus> }>();
  private readonly listeners = new Map<string, Set<(s: ExportStatus) => void>>();

  constructor(private readonly deps: ExporterDeps) {
    this.jobs = new ExportJobs(deps.db);
    // A node that stopped mid-export left a `running` row and a partial folder: neither is a dataset.
    const dir = datasetDir(deps.dataDir);
    for (const name of readdirSync(dir)) {
      if (name.endsWith('.partial')) rmSync(join(dir, name), { recursive: true, force: true });
    }
    this.jobs.failInterrupted('the node stopped while the export was running; nothing was kept');
  }

  /** Validates the request against the catalog, records the job and starts it. */
  start(request: ExportRequest, who: Requester): { status: ExportStatus; done: Promise<ExportStatus> } {
    if (this.running.size >= (this.deps.maxRunning ?? 2)) {
      throw new ExportBusyError(
        `${this.running.size} exports are running; start this one when one has finished`,
      );
    }
    const product = this.deps.catalog.definitions.require(request.product);
    const profile = this.deps.profiles.require(request.profile);
    const exportId = randomBytes(8).toString('hex');
    const record: JobRecord = {
      exportId,
      userId: who.userId,
      username: who.username,
      product: product.name,
      productVersion: product.version,
      profile: profile.name,
      profileVersion: profile.version,
      format: request.format,
      from: request.from ? Date.parse(request.from) : null,
      to: request.to ? Date.parse(request.to) : null,
      createdAt: Date.now(),
    };
    this.jobs.insert(record);
    const control = { cancel: false, done: Promise.resolve(undefined as unknown as ExportStatus) };
    this.running.set(exportId, control);
    control.done = this.run(record, who, control).finally(() => this.running.delete(exportId));
    return { status: this.jobs.get(exportId)!, done: control.done };
  }

  get(exportId: string): ExportStatus | undefined {
    return this.jobs.get(exportId);
  }

  /** Asks a running export to stop; resolves with its final status (cancelled, or done if it won). */
  async cancel(exportId: string): Promise<ExportStatus | undefined> {
    const control = this.running.get(exportId);
    if (!control) return this.jobs.get(exportId);
    control.cancel = true;
    return control.done;
  }

  onProgress(exportId: string, listener: (s: ExportStatus) => void): () => void {
    let set = this.listeners.get(exportId);
    if (!set) this.listeners.set(exportId, (set = new Set()));
    set.add(listener);
    return () => {
      set.delete(listener);
      if (set.size === 0) this.listeners.delete(exportId);
    };
  }

  isRunning(exportId: string): boolean {
    return this.running.has(exportId);
  }

  /** Cancels what runs (their partial files are removed) and waits for them. */
  async close(): Promise<void> {
    for (const c of this.running.values()) c.cancel = true;
    await Promise.allSettled([...this.running.values()].map((c) => c.done));
  }

  private emit(exportId: string): void {
    const set = this.listeners.get(exportId);
    if (!set?.size) return;
    const status = this.jobs.get(exportId)!;
    for (const l of set) l(status);
  }

  private async run(job: JobRecord, who: Requester, control: { cancel: boolean }): Promise<ExportStatus> {
    const { db, logger } = this.deps;
    const dir = datasetDir(this.deps.dataDir);
    const partial = join(dir, `.${job.exportId}.partial`);
    const auditBase = {
      actor: who.username,
      actorId: who.userId,
      role: who.role,
      host: who.host,
      remoteAddress: who.remoteAddress,
      target: `export:${job.exportId}`,
    };
    const summary = {
      exportId: job.exportId,
      product: job.product,
      productVersion: job.productVersion,
      profile: job.profile,
      profileVersion: job.profileVersion,
      format: job.format,
    };
    let sink: HashingSink | undefined;
    try {
      // Let the API call that started us answer first.
      await yieldToLoop();
      mkdirSync(partial, { mode: 0o700 });
      const product = this.deps.catalog.definitions.require(job.product, job.productVersion);
      const profile = this.deps.profiles.require(job.profile, job.profileVersion);
      const key = randomBytes(32);
      // The patient pass reads the whole range; it gives the event loop back between chunks.
      const plan = await planReleaseAsync(db, {
        product,
        profile,
        key,
        from: job.from ?? undefined,
        to: job.to ?? undefined,
        pageSize: this.deps.pageSize ?? EXPORT_PAGE_ROWS,
      });
      key.fill(0);
      this.jobs.setTotal(job.exportId, plan.releasedRows);
      const dataName = `${job.product}-v${job.productVersion}-${job.profile}.${EXTENSIONS[job.format]}`;
      sink = new HashingSink(join(partial, dataName));
      const grain = product.definition.grain;
      const writer = createWriter(job.format, sink, plan.columns, {
        exportId: job.exportId,
        product: `${job.product}@${job.productVersion}`,
        profile: `${job.profile}@${job.profileVersion}`,
        grainMs: grain === 'raw' ? '0' : String(GRAIN_MS[grain]),
      });
      let written = 0;
      let lastEmit = 0;
      for (const batch of releaseBatches(db, plan)) {
        if (control.cancel) throw new ExportCancelled('cancelled');
        await writer.writeBatch(batch.rows);
        written += batch.rows.length;
        if (this.deps.maxFileBytes !== undefined && sink.bytes > this.deps.maxFileBytes) {
          throw new Error(`the data file passed the limit of ${this.deps.maxFileBytes} bytes`);
        }
        if (Date.now() - lastEmit >= PROGRESS_EVERY_MS) {
          lastEmit = Date.now();
          this.jobs.setWritten(job.exportId, written);
          this.emit(job.exportId);
        }
        // The event loop stays free for live vitals and ingest between batches.
        await yieldToLoop();
      }
      if (control.cancel) throw new ExportCancelled('cancelled');
      await writer.finish();
      const dataSha = await sink.close();
      const dataBytes = sink.bytes;
      sink = undefined;

      const createdAt = new Date().toISOString();
      const report: ReleaseReport = {
        product: job.product,
        productVersion: job.productVersion,
        profile: job.profile,
        profileVersion: job.profileVersion,
        range: {
          from: job.from === null ? null : new Date(job.from).toISOString(),
          to: job.to === null ? null : new Date(job.to).toISOString(),
        },
        gate: plan.gate,
        quality: plan.quality.report(product.definition.quality),
        rowCount: written,
        columns: plan.columns.map((c) => c.name),
        format: job.format,
        sha256: dataSha,
        createdAt,
      };
      const reportText = JSON.stringify(report, null, 2) + '\n';
      writeFileSync(join(partial, 'release-report.json'), reportText, { mode: 0o600, flag: 'wx' });
      const files = [
        { kind: 'data' as const, name: dataName, bytes: dataBytes, sha256: dataSha },
        {
          kind: 'report' as const,
          name: 'release-report.json',
          bytes: Buffer.byteLength(reportText),
          sha256: sha256(reportText),
        },
      ];
      const manifest = {
        createdAt,
        createdBy: job.username,
        ...summary,
        range: report.range,
        columns: plan.columns.map((c) => ({ name: c.name, type: c.type, description: c.description })),
        files,
        releaseReport: report,
      };
      const manifestText = JSON.stringify(manifest, null, 2) + '\n';
      const manifestSha = sha256(manifestText);
      writeFileSync(join(partial, 'manifest.json'), manifestText, { mode: 0o600, flag: 'wx' });

      const stamp = createdAt.replace(/[:.]/g, '-');
      const finalDir = join(dir, `${stamp}-${job.product}-${job.exportId}`);
      renameSync(partial, finalDir);
      const allFiles = [
        ...files.map((f) => ({ ...f, path: join(finalDir, f.name) })),
        {
          kind: 'manifest' as const,
          name: 'manifest.json',
          path: join(finalDir, 'manifest.json'),
          bytes: Buffer.byteLength(manifestText),
          sha256: manifestSha,
        },
      ];
      this.jobs.finish(job.exportId, {
        state: 'done',
        written,
        report,
        manifest: manifestText,
        manifestSha,
        files: allFiles,
      });
      this.deps.audit({
        ...auditBase,
        action: 'exports.completed',
        outcome: 'ok',
        details: {
          ...summary,
          rows: written,
          rowsSuppressed: plan.gate.rowsSuppressed,
          kAchieved: plan.gate.kAchieved,
          dataSha256: dataSha,
          manifestSha256: manifestSha,
        },
      });
      logger.info({ exportId: job.exportId, rows: written, bytes: dataBytes }, 'dataset export done');
    } catch (error) {
      await sink?.abort();
      rmSync(partial, { recursive: true, force: true });
      const cancelled = error instanceof ExportCancelled;
      const message = cancelled ? 'cancelled by the researcher' : (error as Error).message.slice(0, 300);
      this.jobs.finish(job.exportId, { state: cancelled ? 'cancelled' : 'failed', error: message });
      this.deps.audit({
        ...auditBase,
        action: cancelled ? 'exports.cancelled' : 'exports.failed',
        outcome: cancelled ? 'ok' : 'internal',
        details: { ...summary, ...(cancelled ? {} : { error: message }) },
      });
      if (!cancelled) logger.error({ err: error, exportId: job.exportId }, 'dataset export failed');
    }
    this.emit(job.exportId);
    return this.jobs.get(job.exportId)!;
  }
}
