import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import type { Worker } from 'node:worker_threads';
import { createLogger, type Logger } from '../../log/logger';
import { openEncrypted, type Db } from '../../store/database';
import { migrate } from '../../store/migrate';
import { startDecidePool, type Decider } from './decide-pool';
import { frame, MllpFramer } from './mllp';

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

/** Sends one message in one MLLP frame on a fresh connection; resolves with the first ACK's text. */
export function sendOneMllp(port: number, message: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(frame(message)));
    const framer = new MllpFramer(1 << 20, {
      onFrame: (payload) => {
        socket.end();
        resolve(payload.toString('utf8'));
      },
      onOversized: () => reject(new Error('oversized ACK')),
      onJunk: () => undefined,
    });
    socket.on('data', (d: Buffer) => framer.push(d));
    socket.on('error', reject);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no ACK within ${timeoutMs} ms`));
    });
  });
}

/** MSA-1 and MSA-3 of an ACK. */
export function msaOf(ack: string): { code: string; text: string } {
  const msa = ack.split(/\r|\n/).find((s) => s.startsWith('MSA')) ?? '';
  const [, code = '', , text = ''] = msa.split(msa[3] ?? '|');
  return { code, text };
}

/**
 * A one-thread decide pool whose workers a test can end: `workers` fills as each starts, and
 * `started(n)` waits until n have (the first at once, a replacement after the pool's pause).
 */
export function watchedDecidePool(keepTypes: readonly string[]): {
  pool: Decider;
  workers: Worker[];
  started: (n: number) => Promise<void>;
} {
  const workers: Worker[] = [];
  const pool = startDecidePool({
    threads: 1,
    localCodes: [],
    keepTypes,
    logger: silentLogger(),
    onWorkerStart: (w) => workers.push(w),
  });
  const started = async (n: number) => {
    const give = Date.now() + 10_000;
    while (workers.length < n) {
      if (Date.now() > give) throw new Error(`gave up waiting for decide worker ${n} to start`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { pool, workers, started };
}
