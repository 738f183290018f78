import { closeSync, openSync, readFileSync, rmSync, writeSync } from 'node:fs';
import { join } from 'node:path';
import { StoreError } from './errors';

/**
 * One running node per data dir. Rotation and restore need the node stopped; the lock file holds
 * the pid so a lock left by a crashed process is recognised and taken over.
 */
export function acquireNodeLock(dataDir: string, purpose: string): () => void {
  const file = join(dataDir, 'node.lock');
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      const fd = openSync(file, 'wx', 0o600);
      writeSync(fd, JSON.stringify({ pid: process.pid, purpose }));
      closeSync(fd);
      return () => rmSync(file, { force: true });
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      const holder = readHolder(file);
      if (holder && isAlive(holder.pid)) {
        throw new StoreError(
          `the data dir ${dataDir} is in use by process ${holder.pid} (${holder.purpose}); ` +
            `stop it before ${purpose}`,
        );
      }
      rmSync(file, { force: true }); // stale: its process is gone
    }
  }
  throw new StoreError(`could not lock ${dataDir}`);
}

function readHolder(file: string): { pid: number; purpose: string } | undefined {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as { pid: number; purpose: string };
  } catch {
    return undefined;
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
