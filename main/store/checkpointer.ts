import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';
import type { Logger } from '../log/logger';
import { cipherLayoutOf, keyingPragmas, type Db } from './database';

/**
 * Checkpoints the WAL from a worker thread with its own connection, so the ingest writer never
 * pays for one. SQLite's automatic checkpoint runs inside the COMMIT that crosses the threshold,
 * on the thread that committed: bench/live.ts saw single commits stall the whole node for up to
 * ~400 ms (then every copied page was also decrypted and re-encrypted; patches/ made it a copy).
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
  /** The writer's connection, whose own auto-checkpoint becomes a backstop while this runs. */
  readonly writer: Db;
  /** How often an idle WAL is looked at; while the writer writes, every 100 ms. */
  readonly intervalMs?: number;
}

/**
 * The writer's auto-checkpoint threshold while this thread runs (frames; ~200 MB of WAL). Well
 * above what one busy second writes, so a thread briefly starved of CPU on a loaded machine
 * doesn't hand the work back to the writer; low enough that a dead thread can't fill the disk.
 */
const BACKSTOP_FRAMES = 50_000;

/** What the worker reports: only what is worth a log line. */
type WorkerMessage =
  | { kind: 'slow'; checkpointed: number; ms: number }
  | { kind: 'error'; message: string }
  | { kind: 'closed' };

// Plain CommonJS evaluated in the worker, so it runs the same from source (tsx) and from the
// esbuild bundles without a second entry point. The key arrives by workerData, never on disk.
const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.modulePath);
const db = new Database(workerData.file, { fileMustExist: true });
for (const pragma of workerData.keyingPragmas) db.pragma(pragma);
db.pragma('busy_timeout=1000');
db.prepare('SELECT count(*) FROM sqlite_master').get();
let timer;
let last = '';
let lastError;
// While the WAL changes between two checkpoints the writer is busy, and the next checkpoint
// comes soon: if the WAL outgrew the writer's backstop, the writer would checkpoint on its own
// thread (perf on bench/store.ts: ~10 % of the encrypted writer's samples).
const checkpoint = () => {
  const started = performance.now();
  let changed = false;
  try {
    const [r] = db.pragma('wal_checkpoint(PASSIVE)');
    const state = r.log + '/' + r.checkpointed;
    changed = state !== last;
    last = state;
    const ms = performance.now() - started;
    if (ms > workerData.slowMs) parentPort.postMessage({ kind: 'slow', checkpointed: r.checkpointed, ms });
    lastError = undefined;
  } catch (error) {
    // Said once per distinct cause: a locked file at every pass would drown the log.
    const message = String(error && error.message || error);
    if (message !== lastError) parentPort.postMessage({ kind: 'error', message });
    lastError = message;
  }
  timer = setTimeout(checkpoint, changed ? workerData.busyIntervalMs : workerData.intervalMs);
};
timer = setTimeout(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearTimeout(timer);
  // A last pass; if it fails the WAL stays and the next open replays it, nothing is lost.
  try { db.pragma('wal_checkpoint(PASSIVE)'); } catch {}
  db.close();
  parentPort.postMessage({ kind: 'closed' });
  parentPort.close();
});
`;

const SLOW_CHECKPOINT_MS = 200;

export function startCheckpointer(options: CheckpointerOptions): Checkpointer {
  const logger = options.logger.child({ module: 'checkpointer' });
  const writerThreshold = options.writer.pragma('wal_autocheckpoint', { simple: true }) as number;
  options.writer.pragma(`wal_autocheckpoint=${BACKSTOP_FRAMES}`);
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      file: options.file,
      // The writer's layout (a store made before the current one opens only with its own) and
      // key; none for a plaintext file.
      keyingPragmas: options.key ? keyingPragmas(cipherLayoutOf(options.writer), options.key) : [],
      // Resolved here, where module resolution knows the app's node_modules (or the asar's).
      modulePath: createRequire(import.meta.url).resolve('better-sqlite3-multiple-ciphers'),
      intervalMs: options.intervalMs ?? 1000,
      // Each checkpoint syncs both files: ten a second at most, and a busy second's WAL stays
      // far below the backstop.
      busyIntervalMs: Math.min(options.intervalMs ?? 1000, 100),
      slowMs: SLOW_CHECKPOINT_MS,
    },
  });
  const closed = new Promise<void>((resolve) => {
    worker.on('message', (message: WorkerMessage) => {
      if (message.kind === 'closed') resolve();
      else if (message.kind === 'error') logger.warn({ err: message.message }, 'WAL checkpoint failed');
      else logger.info({ ms: Math.round(message.ms), pages: message.checkpointed }, 'slow checkpoint');
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
      if (options.writer.open) options.writer.pragma(`wal_autocheckpoint=${writerThreshold}`);
    },
  };
}
