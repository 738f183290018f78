import { rmSync } from 'node:fs';
import { dirname, join, relative, isAbsolute } from 'node:path';
import { z } from 'zod';
import type { DataClass } from '../../shared/api/retention';
import type { Db } from '../store/database';

/**
 * One kind of data retention can dispose of. Classes are plugged in by the composition root, so a
 * subsystem with data of its own (the mesh, say) adds a class without touching the purge job.
 */
export interface RetentionClass {
  readonly id: string;
  readonly label: string;
  readonly dataClass: DataClass;
  readonly tables: readonly string[];
  /** How many rows are older than `cutoff` (epoch ms): the dry run. */
  count(cutoff: number): number;
  /**
   * Disposes of at most `limit` rows older than `cutoff` in one short transaction and returns how
   * many went; 0 means nothing is left. Short, so ingest on the same connection waits at most one
   * batch.
   */
  purgeBatch(cutoff: number, limit: number): number;
}

type Count = (cutoff: number) => number;

/** A class whose rows go by `DELETE … WHERE rowid IN (SELECT … LIMIT ?)` over a time index. */
function sqlClass(
  db: Db,
  spec: Omit<RetentionClass, 'count' | 'purgeBatch'> & {
    /** `FROM table WHERE <time> < ? [AND …]`, served by a time index (migration 0530). */
    readonly from: string;
  },
): RetentionClass {
  const count = db.prepare<[number], { n: number }>(`SELECT count(*) AS n ${spec.from}`);
  const purge = db.prepare<[number, number]>(
    `DELETE FROM ${spec.tables[0]} WHERE rowid IN (SELECT rowid ${spec.from} LIMIT ?)`,
  );
  return {
    ...spec,
    count: (cutoff) => count.get(cutoff)!.n,
    purgeBatch: (cutoff, limit) => db.transaction(() => purge.run(cutoff, limit).changes)(),
  };
}

/** Several tables in one class: each emptied of its old rows in turn. */
function combined(
  spec: Omit<RetentionClass, 'count' | 'purgeBatch'>,
  parts: readonly RetentionClass[],
): RetentionClass {
  const count: Count = (cutoff) => parts.reduce((n, p) => n + p.count(cutoff), 0);
  return {
    ...spec,
    count,
    // Fewer than `limit` only once every part is empty: that is how the job knows it is done.
    purgeBatch(cutoff, limit) {
      let total = 0;
      for (const part of parts) {
        total += part.purgeBatch(cutoff, limit - total);
        if (total >= limit) break;
      }
      return total;
    },
  };
}

const exportFiles = z.array(z.object({ path: z.string() }));

/**
 * Export files on disk. The dataset_exports row stays (it is the record of what was disclosed, with
 * its manifest hash); only the folder of files goes, and the row says when.
 */
function exportFilesClass(db: Db, dataDir: string): RetentionClass {
  const root = join(dataDir, 'exports', 'datasets');
  const WHERE = `FROM dataset_exports WHERE finished_at < ? AND files IS NOT NULL AND files_disposed_at IS NULL`;
  const count = db.prepare<[number], { n: number }>(`SELECT count(*) AS n ${WHERE}`);
  const due = db.prepare<[number, number], { id: string; files: string }>(
    `SELECT id, files ${WHERE} LIMIT ?`,
  );
  const mark = db.prepare<[number, string]>('UPDATE dataset_exports SET files_disposed_at = ? WHERE id = ?');
  return {
    id: 'export_files',
    label: 'Export files',
    dataClass: 'deidentified',
    tables: ['dataset_exports'],
    count: (cutoff) => count.get(cutoff)!.n,
    purgeBatch(cutoff, limit) {
      const rows = due.all(cutoff, limit);
      for (const row of rows) {
        const folders = new Set(exportFiles.parse(JSON.parse(row.files)).map((f) => dirname(f.path)));
        for (const folder of folders) {
          // Only ever inside the node's own export folder, whatever the row says.
          const rel = relative(root, folder);
          if (rel === '' || rel.startsWith('..') || isAbsolute(rel)) continue;
          rmSync(folder, { recursive: true, force: true });
        }
        mark.run(Date.now(), row.id);
      }
      return rows.length;
    },
  };
}

/** The classes of issue 9, over the tables that exist today. */
export function defaultRetentionClasses(deps: { db: Db; dataDir: string }): RetentionClass[] {
  const { db } = deps;
  return [
    sqlClass(db, {
      id: 'observations',
      label: 'Raw observations',
      dataClass: 'phi',
      tables: ['observations'],
      from: 'FROM observations WHERE observed_at < ?',
    }),
    sqlClass(db, {
      id: 'hl7_messages',
      label: 'Raw HL7 messages (accepted and duplicates)',
      dataClass: 'phi',
      tables: ['hl7_messages'],
      from: `FROM hl7_messages WHERE received_at < ? AND outcome != 'rejected'`,
    }),
    combined(
      {
        id: 'quarantine',
        label: 'Quarantined messages',
        dataClass: 'phi',
        tables: ['hl7_messages', 'fhir_quarantine'],
      },
      [
        sqlClass(db, {
          id: 'quarantine-hl7',
          label: '',
          dataClass: 'phi',
          tables: ['hl7_messages'],
          from: `FROM hl7_messages WHERE received_at < ? AND outcome = 'rejected'`,
        }),
        sqlClass(db, {
          id: 'quarantine-fhir',
          label: '',
          dataClass: 'phi',
          tables: ['fhir_quarantine'],
          from: 'FROM fhir_quarantine WHERE at < ?',
        }),
      ],
    ),
    sqlClass(db, {
      id: 'alarm_history',
      label: 'Alarm history (ended episodes)',
      dataClass: 'phi',
      tables: ['alarm_events'],
      // An alarm still going is never history, however old its start.
      from: 'FROM alarm_events WHERE ended_at < ? AND ended_at IS NOT NULL',
    }),
    sqlClass(db, {
      id: 'peer_products',
      label: 'Received peer products',
      dataClass: 'deidentified',
      tables: ['mesh_received_batches'],
      from: 'FROM mesh_received_batches WHERE received_at < ?',
    }),
    exportFilesClass(db, deps.dataDir),
  ];
}
