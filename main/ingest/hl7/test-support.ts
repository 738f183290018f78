import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../log/logger';
import { openEncrypted, type Db } from '../../store/database';
import { migrate } from '../../store/migrate';

/** A real encrypted, migrated store in a throwaway folder, for ingest tests and benchmarks. */
export function openScratchStore(): { db: Db; dir: string; file: string; key: Buffer; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vitalmesh-ingest-'));
  const file = join(dir, 'vitalmesh.db');
  const key = randomBytes(32);
  const db = openEncrypted(file, { bytes: key });
  migrate(db, file);
  db.pragma('cache_size=-65536');
  return {
    db,
    dir,
    file,
    key,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const silentLogger = (): Logger => createLogger({ level: 'silent' });
