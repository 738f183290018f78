import { basename, resolve } from 'node:path';
import { loadConfig, type ConfigOverrides } from '../config/config';
import { createKeySource } from '../store/key-source';
import { existsSync, statSync } from 'node:fs';
import { StoreError } from '../store/errors';
import { LATEST_SCHEMA_VERSION, databasePath } from '../store/store';
import { backupDatabase, restoreDatabase, verifyBackup } from '../store/maintenance';
import { acquireNodeLock } from '../store/node-lock';
import { auditedStep } from './audit-entry';

/** `vitalmesh backup <file>`: online; the node may keep running. */
export async function backup(flags: ConfigOverrides, target: string): Promise<string> {
  const config = loadConfig(flags);
  const keys = await createKeySource(config);
  const report = await auditedStep(config, keys, 'backup', `file:${basename(target)}`, async () => {
    const written = await backupDatabase(config.dataDir, keys, resolve(target));
    return { result: written, details: { bytes: written.bytes, schemaVersion: written.schemaVersion } };
  });
  return `backup written and verified: ${report.file} (${report.bytes} bytes, schema ${report.schemaVersion}, encrypted with the database key)`;
}

/** `vitalmesh restore <file>`: the node must be stopped; the replaced database is kept beside it. */
export async function restore(flags: ConfigOverrides, source: string): Promise<string> {
  const config = loadConfig(flags);
  const release = acquireNodeLock(config.dataDir, 'restoring a backup');
  try {
    const keys = await createKeySource(config);
    // Audited into the restored database: its chain continues from the backup's last entry.
    const { restored, previous } = await auditedStep(
      config,
      keys,
      'restore',
      `file:${basename(source)}`,
      async () => {
        const done = await restoreDatabase(config.dataDir, keys, resolve(source));
        return {
          result: done,
          details: {
            schemaVersion: done.restored.schemaVersion,
            previousKeptAs: done.previous && basename(done.previous),
          },
        };
      },
    );
    return (
      `restored ${resolve(source)} (schema ${restored.schemaVersion}) into ${restored.file}` +
      (previous ? `; the database it replaced is kept as ${previous}` : '')
    );
  } finally {
    release();
  }
}

/**
 * `vitalmesh backup verify <file>`: the restore drill without restoring. Opens the backup read-only
 * with this node's key, runs integrity_check and reads its schema version; exit 1 if any fails.
 */
export async function verifyBackupFile(flags: ConfigOverrides, file: string | undefined): Promise<string> {
  if (!file)
    throw new StoreError('backup verify needs the backup file to check: vitalmesh backup verify <file>');
  const config = loadConfig(flags);
  const keys = await createKeySource(config);
  const key = await keys.load('database', { create: false });
  const path = resolve(file);
  // A drill on a machine without a node yet (the spare server) verifies without an audit entry:
  // recording it must not create an empty database.
  const { schemaVersion } = existsSync(databasePath(config.dataDir))
    ? await auditedStep(config, keys, 'backup.verify', `file:${basename(path)}`, () => {
        const report = verifyBackup(path, key);
        return Promise.resolve({ result: report, details: { schemaVersion: report.schemaVersion } });
      })
    : verifyBackup(path, key);
  return (
    `backup ${path} verified: opens with this node's key, integrity_check ok, schema ${schemaVersion}` +
    ` (this VitalMesh: ${LATEST_SCHEMA_VERSION}), ${statSync(path).size} bytes`
  );
}
