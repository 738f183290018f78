import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger';

/**
 * Checkpoints the WAL from a worker thread with its own connection, so the ingest writer never
 * pays for one. SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold,
 * on the thread that committed: with an encrypted store every page it copies is decrypted and
 * re-encrypted, and bench/live.ts saw single commits stall the whole node for up to ~400 ms.
 * A PASSIVE checkpoint from another connection runs beside the writer without blocking it; the
 * writer's own auto-checkpoint stays as a backstop in case this thread falls behind or dies.
 */
export interface Checkpointer {
  /** Runs one last checkpoint, closes the worker's connection and ends the thread. */
  close(): Promise<void>;
}

export interface CheckpointerOptions {
  readonly file: string;
  /** The database key; null only for a plaintext file (bench/store.ts's baseline). */
  readonly key: Buffer | null;
  readonly logger: Logger;
  /** How often to checkpoint; a short interval keeps each checkpoint (and the WAL) small. */
  readonly intervalMs?: number;
}

/** What the worker reports after each checkpoint (SQLite's wal_checkpoint result). */
interface CheckpointReport {
  readonly kind: 'checkpoint';
  readonly busy: number;
  readonly log: number;
  readonly checkpointed: number;
  readonly ms: number;
}
type WorkerMessage = CheckpointReport | { kind: 'error'; message: string } | { kind: 'closed' };

// Plain CommonJS evaluated in the worker, so it runs the same from source (tsx) and from the
// esbuild bundles without a second entry point. The key arrives by workerData, never on disk.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file, { fileMustExist: true });
if (workerData.hexKey !== null) {
  db.pragma("cipher='sqlcipher'");
  db.pragma('legacy=4');
  db.pragma("hexkey='" + workerData.hexKey + "'");
}
db.pragma('busy_timeout=1000');
db.prepare('SELECT count(*) FROM sqlite_master').get();
const checkpoint = () => {
  const started = performance.now();
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    parentPort.postMessage({ kind: 'checkpoint', busy: r.busy, log: r.log, checkpointed: r.checkpointed,
      ms: performance.now() - started });
  } catch (error) {
    parentPort.postMessage({ kind: 'error', message: String(error && error.message || error) });
  }
};
const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.postMessage({ kind: 'closed' });
  parentPort.close();
});
`;

export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const logger = options.logger.child({ module: 'checkpointer' });
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file: options.file,
      hexKey: options.key?.toString('hex') ?? null,
      // Resolved here, where module resolution knows the app's node_modules (or the asar's).
      modulePath: createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers'),
      intervalMs: options.intervalMs ?? 1000,
    },
  });
  let lastError: string | undefined;
  const closed = new Promise<void>((resolve) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'closed') resolve();
      else if (message.kind === 'error') {
        // Said once per distinct cause: a locked file every second would drown the log.
        if (message.message !== lastError) logger.warn({ err: message.message }, 'WAL checkpoint failed');
        lastError = message.message;
      } else {
        lastError = undefined;
        if (message.ms > 200)
          logger.info({ ms: Math.round(message.ms), pages: message.checkpointed }, 'slow checkpoint');
      }
    });
    worker.once('exit', () => resolve());
  });
  worker.on('error', (error) =>
    logger.error({ err: error }, 'checkpoint thread failed; the writer checkpoints itself'),
  );
  return {
    async close() {
      worker.postMessage('close');
      await closed;
      await worker.terminate();
    },
  };
}
