import { resolve } from 'node:path';
import { loadConfig, type ConfigOverrides } from '../config/config';
import { createKeySource } from '../store/key-source';
import { backupDatabase, restoreDatabase } from '../store/maintenance';
import { acquireNodeLock } from '../store/node-lock';

/** `vitalmesh backup <file>`: online; the node may keep running. */
export async function backup(flags: ConfigOverrides, target: string): Promise<string> {
  const config = loadConfig(flags);
  const keys = await createKeySource(config);
  const report = await backupDatabase(config.dataDir, keys, resolve(target));
  return `backup written and verified: ${report.file} (${report.bytes} bytes, schema ${report.schemaVersion}, encrypted with the database key)`;
}

/** `vitalmesh restore <file>`: the node must be stopped; the replaced database is kept beside it. */
export async function restore(flags: ConfigOverrides, source: string): Promise<string> {
  const config = loadConfig(flags);
  const release = acquireNodeLock(config.dataDir, 'restoring a backup');
  try {
    const keys = await createKeySource(config);
    const { restored, previous } = await restoreDatabase(config.dataDir, keys, resolve(source));
    return (
      `restored ${resolve(source)} (schema ${restored.schemaVersion}) into ${restored.file}` +
      (previous ? `; the database it replaced is kept as ${previous}` : '')
    );
  } finally {
    release();
  }
}
