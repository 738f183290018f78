import { dirname } from 'node:path';
import { mkdirSync } from 'node:fs';
import { loadConfig, type ConfigOverrides } from '../config/config';
import { newKey, writeKeyFile } from '../store/key-file';
import { createKeySource } from '../store/key-source';
import { rotateDatabaseKey } from '../store/maintenance';
import { acquireNodeLock } from '../store/node-lock';
import { auditedStep } from './audit-entry';

/** `vitalmesh keys init --key-file F`: a new random 256-bit key, owner-only, never over an old one. */
export function initKeyFile(file: string): string {
  mkdirSync(dirname(file), { recursive: true, mode: 0o700 });
  writeKeyFile(file, newKey());
  return `wrote a new 256-bit key to ${file} (mode 600). Keep a copy somewhere safe: without it the database can't be opened.`;
}

/** `vitalmesh keys rotate`: re-keys the database in place; the node must be stopped. */
export async function rotateKey(flags: ConfigOverrides): Promise<string> {
  const config = loadConfig(flags);
  const release = acquireNodeLock(config.dataDir, 'rotating the database key');
  try {
    const keys = await createKeySource(config);
    await auditedStep(config, keys, 'keys.rotate', 'key:database', async () => {
      await rotateDatabaseKey(config.dataDir, keys);
      return { result: undefined, details: { keySource: keys.kind } };
    });
    return (
      `re-keyed the database with a new key (${keys.describe()}); the old key no longer opens it. ` +
      `Backups made before now still need the old key: take a new backup.`
    );
  } finally {
    release();
  }
}
