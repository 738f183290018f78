import { createHash, randomBytes } from 'node:crypto';
import { chmodSync, createWriteStream, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { setImmediate as yieldToLoop } from 'node:timers/promises';
import type { AuditExportStatus, AuditFilter } from '../../shared/api/audit';
import type { Db } from '../store/database';
import { AUDIT_COLUMNS, rowToEntry, type AuditChain, type AuditEntry, type AuditInput } from './chain';
import { toAuditEvent } from './fhir-audit-event';
import { compileFilter } from './search';

export type AuditExportFormat = AuditExportStatus['format'];

const BATCH = 2000;

/**
 * Audit exports land in <data dir>/exports/audit/, owner-only. An export names people and patient
 * ids, so it is the one kind of file the node writes unencrypted on purpose (a compliance report
 * is meant to be read elsewhere); folder 0700 and file 0600 keep it to the node's account until
 * someone moves it. See docs in README "Audit exports".
 */
export function auditExportDir(dataDir: string): string {
  const exportsDir = join(dataDir, 'exports');
  const dir = join(exportsDir, 'audit');
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  // mkdir's mode applies only to folders it creates; tighten ones that already existed.
  chmodSync(exportsDir, 0o700);
  chmodSync(dir, 0o700);
  return dir;
}

export const CSV_HEADER = [
  'seq',
  'time',
  'actor',
  'role',
  'host',
  'remote_address',
  'action',
  'target',
  'patient_id',
  'outcome',
  'break_glass_reason',
  'details',
  'mac',
];

/**
 * RFC 4180 quoting, and a leading quote mark for cells a spreadsheet would run as a formula
 * (OWASP "CSV injection"): a username like `=HYPERLINK(...)` stays text.
 */
export function csvCell(value: string | number | null): string {
  if (value === null) return '';
  let text = String(value);
  if (/^[=+\-@\t\r]/.test(text)) text = `'${text}`;
  return /[",\r\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

export function csvLine(e: AuditEntry): string {
  return (
    [
      e.seq,
      new Date(e.at).toISOString(),
      e.actor,
      e.role,
      e.host,
      e.remoteAddress,
      e.action,
      e.target,
      e.patientId,
      e.outcome,
      e.breakGlassReason,
      e.details,
      e.mac.toString('hex'),
    ]
      .map(csvCell)
      .join(',') + '\r\n'
  );
}

export interface ExportRequest {
  readonly format: AuditExportFormat;
  readonly filter: AuditFilter;
  /** Who asked, for the closing audit entry that records the file's SHA-256. */
  readonly requester: Omit<AuditInput, 'action' | 'outcome' | 'details' | 'target'>;
}

/**
 * Runs exports in the background, a batch at a time (the event loop stays free for live vitals),
 * and keeps their progress for `audit.exportStatus`. When a file is complete its SHA-256 is
 * appended to the audit chain, so the report can later be proven unaltered.
 */
export class AuditExporter {
  private readonly jobs = new Map<string, AuditExportStatus>();

  constructor(
    private readonly db: Db,
    private readonly chain: AuditChain,
    private readonly dataDir: string,
    private readonly facility: string,
  ) {}

  status(exportId: string): AuditExportStatus | undefined {
    return this.jobs.get(exportId);
  }

  /** Starts an export; `done` settles when the file is complete (tests and the CLI await it). */
  start(request: ExportRequest): { status: AuditExportStatus; done: Promise<AuditExportStatus> } {
    const exportId = randomBytes(8).toString('hex');
    const compiled = compileFilter(this.db, request.filter);
    const total = compiled.empty
      ? 0
      : (
          this.db
            .prepare(`SELECT count(*) AS n FROM audit_log ${compiled.index} WHERE ${compiled.where}`)
            .get(...compiled.params) as { n: number }
        ).n;
    const status: AuditExportStatus = {
      exportId,
      format: request.format,
      state: 'running',
      written: 0,
      total,
    };
    this.jobs.set(exportId, status);
    const done = this.run(
      exportId,
      request,
      `${compiled.index} WHERE ${compiled.where}`,
      compiled.params,
      compiled.empty,
    ).catch((error: unknown) => {
      const failed: AuditExportStatus = {
        ...this.jobs.get(exportId)!,
        state: 'failed',
        error: (error as Error).message,
      };
      this.jobs.set(exportId, failed);
      this.chain.append({
        ...request.requester,
        action: 'audit.export.completed',
        outcome: 'internal',
        details: { exportId, format: request.format, error: (error as Error).message.slice(0, 200) },
      });
      return failed;
    });
    return { status, done };
  }

  private async run(
    exportId: string,
    request: ExportRequest,
    where: string,
    params: (string | number)[],
    empty: boolean,
  ): Promise<AuditExportStatus> {
    const dir = auditExportDir(this.dataDir);
    const stamp = new Date().toISOString().replace(/[:.]/g, '-');
    const name = `audit-${stamp}-${exportId}.${request.format === 'csv' ? 'csv' : 'ndjson'}`;
    const file = join(dir, name);
    const out = createWriteStream(file, { flags: 'wx', mode: 0o600 });
    const hash = createHash('sha256');
    let bytes = 0;
    const write = async (text: string) => {
      hash.update(text);
      bytes += Buffer.byteLength(text);
      if (!out.write(text)) await new Promise<void>((resolve) => out.once('drain', resolve));
    };
    try {
      if (request.format === 'csv') await write(CSV_HEADER.join(',') + '\r\n');
      // Oldest first, by keyset (seq > last), so a long export never re-reads what it wrote.
      const page = empty
        ? undefined
        : this.db
            .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log ${where} AND seq > ? ORDER BY seq LIMIT ?`)
            .raw();
      let last = 0;
      let written = 0;
      while (page) {
        const rows = page.all(...params, last, BATCH) as Parameters<typeof rowToEntry>[0][];
        if (rows.length === 0) break;
        let chunk = '';
        for (const row of rows) {
          const entry = rowToEntry(row);
          chunk +=
            request.format === 'csv'
              ? csvLine(entry)
              : JSON.stringify(toAuditEvent(entry, this.facility)) + '\n';
          last = entry.seq;
        }
        await write(chunk);
        written += rows.length;
        this.jobs.set(exportId, { ...this.jobs.get(exportId)!, written });
        await yieldToLoop();
      }
      await new Promise<void>((resolve, reject) =>
        out.end((error?: Error | null) => (error ? reject(error) : resolve())),
      );
      const sha256 = hash.digest('hex');
      const finished: AuditExportStatus = {
        exportId,
        format: request.format,
        state: 'done',
        written,
        total: Math.max(written, this.jobs.get(exportId)!.total),
        file,
        sha256,
        bytes,
      };
      this.jobs.set(exportId, finished);
      this.chain.append({
        ...request.requester,
        action: 'audit.export.completed',
        target: `file:${name}`,
        outcome: 'ok',
        details: { exportId, format: request.format, entries: written, bytes, sha256 },
      });
      return finished;
    } catch (error) {
      out.destroy();
      throw error;
    }
  }
}
