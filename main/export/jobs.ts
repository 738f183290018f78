import {
  exportFile,
  releaseReport,
  type ExportFormat,
  type ExportStatus,
  type ReleaseReport,
} from '../../shared/api/exports';
import { z } from 'zod';
import type { Db } from '../store/database';

/** What an export is, as recorded when it starts. */
export interface JobRecord {
  readonly exportId: string;
  readonly userId: number;
  readonly username: string;
  readonly product: string;
  readonly productVersion: number;
  readonly profile: string;
  readonly profileVersion: number;
  readonly format: ExportFormat;
  readonly from: number | null;
  readonly to: number | null;
  readonly createdAt: number;
}

interface Row {
  id: string;
  user_id: number | null;
  username: string;
  product: string;
  product_version: number;
  profile: string;
  profile_version: number;
  format: string;
  range_from: number | null;
  range_to: number | null;
  state: string;
  rows_written: number;
  rows_total: number;
  report: string | null;
  manifest_sha256: string | null;
  files: string | null;
  error: string | null;
  created_at: number;
  finished_at: number | null;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());
const files = z.array(exportFile);

/** Export jobs in dataset_exports (0300): history survives restarts, with manifests and reports. */
export class ExportJobs {
  constructor(private readonly db: Db) {}

  insert(j: JobRecord): void {
    this.db
      .prepare(
        `INSERT INTO dataset_exports (id, user_id, username, product, product_version, profile, profile_version,
         format, range_from, range_to, state, created_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'running', ?)`,
      )
      .run(
        j.exportId,
        j.userId,
        j.username,
        j.product,
        j.productVersion,
        j.profile,
        j.profileVersion,
        j.format,
        j.from,
        j.to,
        j.createdAt,
      );
  }

  setTotal(id: string, total: number): void {
    this.db.prepare('UPDATE dataset_exports SET rows_total = ? WHERE id = ?').run(total, id);
  }

  setWritten(id: string, written: number): void {
    this.db.prepare('UPDATE dataset_exports SET rows_written = ? WHERE id = ?').run(written, id);
  }

  finish(
    id: string,
    r:
      | {
          state: 'done';
          written: number;
          report: ReleaseReport;
          manifest: string;
          manifestSha: string;
          files: z.infer<typeof files>;
        }
      | { state: 'failed' | 'cancelled'; error: string },
  ): void {
    if (r.state === 'done') {
      this.db
        .prepare(
          `UPDATE dataset_exports SET state = 'done', rows_written = ?, rows_total = ?, report = ?, manifest = ?,
           manifest_sha256 = ?, files = ?, finished_at = ? WHERE id = ?`,
        )
        .run(
          r.written,
          r.written,
          JSON.stringify(r.report),
          r.manifest,
          r.manifestSha,
          JSON.stringify(r.files),
          Date.now(),
          id,
        );
    } else {
      this.db
        .prepare('UPDATE dataset_exports SET state = ?, error = ?, finished_at = ? WHERE id = ?')
        .run(r.state, r.error, Date.now(), id);
    }
  }

  failInterrupted(error: string): number {
    return this.db
      .prepare(
        "UPDATE dataset_exports SET state = 'failed', error = ?, finished_at = ? WHERE state = 'running'",
      )
      .run(error, Date.now()).changes;
  }

  get(id: string): ExportStatus | undefined {
    const row = this.db.prepare('SELECT * FROM dataset_exports WHERE id = ?').get(id) as Row | undefined;
    return row ? toStatus(row) : undefined;
  }

  /** Owner of an export (for the "your exports only" check). */
  owner(id: string): number | null | undefined {
    const row = this.db.prepare('SELECT user_id FROM dataset_exports WHERE id = ?').get(id) as
      { user_id: number | null } | undefined;
    return row ? row.user_id : undefined;
  }

  listFor(userId: number, limit: number): ExportStatus[] {
    return (
      this.db
        .prepare(
          'SELECT * FROM dataset_exports WHERE user_id = ? ORDER BY created_at DESC, rowid DESC LIMIT ?',
        )
        .all(userId, limit) as Row[]
    ).map(toStatus);
  }

  /** The stored manifest text (its SHA-256 is in the audit entry). */
  manifest(id: string): string | undefined {
    const row = this.db.prepare('SELECT manifest FROM dataset_exports WHERE id = ?').get(id) as
      { manifest: string | null } | undefined;
    return row?.manifest ?? undefined;
  }
}

function toStatus(r: Row): ExportStatus {
  const total = r.rows_total;
  const progress = r.state === 'done' ? 1 : total === 0 ? 0 : Math.min(1, r.rows_written / total);
  return {
    exportId: r.id,
    product: r.product,
    productVersion: r.product_version,
    profile: r.profile,
    profileVersion: r.profile_version,
    format: r.format as ExportFormat,
    range: { from: iso(r.range_from), to: iso(r.range_to) },
    createdBy: r.username,
    state: r.state as ExportStatus['state'],
    written: r.rows_written,
    total,
    progress,
    ...(r.report ? { report: releaseReport.parse(JSON.parse(r.report)) } : {}),
    ...(r.files ? { files: files.parse(JSON.parse(r.files)) } : {}),
    ...(r.manifest_sha256 ? { manifestSha256: r.manifest_sha256 } : {}),
    ...(r.error ? { error: r.error } : {}),
    createdAt: new Date(r.created_at).toISOString(),
    ...(r.finished_at ? { finishedAt: new Date(r.finished_at).toISOString() } : {}),
  };
}
