import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { availableParallelism } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import { createVitalCatalog } from '../../../shared/catalog/vital-signs';
import type { Logger } from '../../log/logger';
import type { Decision } from './decide';
import { readWireBatch, type WireBatch } from './wire-decision';

/**
 * Parses and maps frames (decide.ts) on worker threads. The thread that owns the store is the
 * ingest's bottleneck: under bench/ingest.ts a third of its time went to reading messages, which
 * needs no store at all. Frames that arrive in one turn of the event loop go to a worker as one
 * batch in one transferred buffer; the worker answers with the batch's decisions.
 */
export interface Decider {
  /** The frame's decision; rejects only when its worker failed (the caller answers AR). */
  decide(frame: Buffer, receivedAt: number): Promise<Decision>;
  /** Decisions not yet back. */
  readonly pending: number;
  /** Resolves once every frame handed in so far has its decision (or its failure). */
  settled(): Promise<void>;
  /** For ingest.status: the workers running now, and how often one had to be restarted. */
  workers(): DecideWorkersStatus;
  close(): Promise<void>;
}

export interface DecideWorkersStatus {
  readonly threads: number;
  readonly running: number;
  readonly restarts: number;
  /** Epoch ms of the last worker that stopped unasked; null if none has. */
  readonly lastExitAt: number | null;
}

/** Frames read on the node's own thread: no workers, none restarted. */
export const NO_DECIDE_WORKERS: DecideWorkersStatus = {
  threads: 0,
  running: 0,
  restarts: 0,
  lastExitAt: null,
};

export interface DecideWorkerData {
  /** The configured local codes (VitalCatalog is built from them in the worker). */
  readonly localCodes: readonly unknown[];
  readonly keepTypes: readonly string[];
}

/** Posted to a worker: the frames back to back in `bytes`, frame i ending at ends[i]. */
export interface DecideBatch {
  readonly id: number;
  readonly bytes: Uint8Array;
  readonly ends: readonly number[];
  readonly receivedAt: readonly number[];
}

export interface DecideReply {
  readonly id: number;
  readonly decisions: WireBatch;
}

export interface DecidePoolOptions extends DecideWorkerData {
  readonly threads: number;
  readonly logger: Logger;
  /** Told of each worker as it starts; tests end one to see how its frames are answered. */
  readonly onWorkerStart?: (worker: Worker, thread: number) => void;
}

interface Waiting {
  readonly resolve: (d: Decision) => void;
  readonly reject: (e: Error) => void;
}

// Defined by scripts/build-main.mjs in the bundles, which ship the worker beside themselves.
declare const __vmBundleDir: string | undefined;

/** A directory inside the packaged app's archive, as electron-builder.yml unpacks it beside. */
export const unpacked = (dir: string): string =>
  dir.replace(/([\\/])app\.asar([\\/]|$)/, '$1app.asar.unpacked$2');

/**
 * How to start the worker: the bundle beside a bundled node; from source (tests, benchmarks,
 * `npm start` through tsx), a bootstrap that registers tsx in the worker before importing the
 * TypeScript (on Node 20 `execArgv: ['--import', 'tsx']` loads the entry before the hooks).
 */
function workerEntry(): { source: string; eval: boolean } {
  if (typeof __vmBundleDir === 'string')
    return { source: join(unpacked(__vmBundleDir), 'decide-worker.cjs'), eval: false };
  const tsx = createRequire(import.meta.url).resolve('tsx/cjs/api');
  const file = fileURLToPath(new URL('./decide-worker.ts', import.meta.url));
  return {
    source: `require(${JSON.stringify(tsx)}).register(); require(${JSON.stringify(file)});`,
    eval: true,
  };
}

/** True when this build can start decide workers (a bundle built without one can't). */
export function decideWorkersAvailable(): boolean {
  const entry = workerEntry();
  return entry.eval || existsSync(entry.source);
}

/** One thread where the machine has a core beside the store's; none on a single core. */
export const defaultDecideThreads = (): number => (availableParallelism() > 1 ? 1 : 0);

/** A worker that dies this soon after its start is restarted only after a pause, doubling. */
const EARLY_EXIT_MS = 1000;
const MAX_RESPAWN_DELAY_MS = 30_000;

/** Throws CatalogConfigError, here and at once, for local codes a worker would die on. */
export function startDecidePool(options: DecidePoolOptions): Decider {
  const { logger } = options;
  createVitalCatalog(options.localCodes);
  const entry = workerEntry();
  const workerData: DecideWorkerData = {
    localCodes: options.localCodes,
    keepTypes: options.keepTypes.map((t) => t.toUpperCase()),
  };
  let closing = false;
  let nextBatch = 1;
  let turn = 0;

  interface Thread {
    worker: Worker;
    readonly batches: Map<number, Waiting[]>;
  }
  let respawnDelayMs = 0;
  let restarts = 0;
  let lastExitAt: number | null = null;
  const spawn = (index: number): Thread => {
    const startedAt = Date.now();
    const worker = new Worker(entry.source, { workerData, eval: entry.eval });
    // A worker that is only waiting for frames must not keep the process alive.
    worker.unref();
    const thread: Thread = { worker, batches: new Map() };
    options.onWorkerStart?.(worker, index);
    worker.on('message', (reply: DecideReply) => {
      const waiting = thread.batches.get(reply.id);
      if (!waiting) return;
      thread.batches.delete(reply.id);
      readWireBatch(reply.decisions).forEach((d, i) => {
        const w = waiting[i] as Waiting;
        if (d instanceof Error) w.reject(d);
        else w.resolve(d);
      });
      noteSettled();
    });
    const fail = (error: Error) => {
      for (const waiting of thread.batches.values()) for (const w of waiting) w.reject(error);
      thread.batches.clear();
      noteSettled();
    };
    worker.on('error', (error) => {
      logger.error({ err: error, thread: index }, 'an HL7 decide worker failed');
      fail(error);
    });
    worker.on('exit', (code) => {
      fail(new Error(`the HL7 decide worker exited (code ${code})`));
      threads[index] = undefined;
      if (closing) return;
      restarts++;
      lastExitAt = Date.now();
      logger.warn({ code, thread: index }, 'an HL7 decide worker stopped; starting another');
      // One that keeps dying at its start (a bug, no memory) is not restarted in a tight loop.
      respawnDelayMs =
        Date.now() - startedAt < EARLY_EXIT_MS
          ? Math.min(MAX_RESPAWN_DELAY_MS, respawnDelayMs * 2 || 100)
          : 0;
      setTimeout(() => {
        if (!closing) threads[index] = spawn(index);
      }, respawnDelayMs).unref();
    });
    return thread;
  };
  const threads: (Thread | undefined)[] = Array.from({ length: Math.max(1, options.threads) }, (_, i) =>
    spawn(i),
  );

  let frames: Buffer[] = [];
  let times: number[] = [];
  let waiting: Waiting[] = [];
  let scheduled = false;
  /** Frames not yet posted, and those a worker holds. */
  const pending = (): number => {
    let n = waiting.length;
    for (const t of threads) for (const batch of t?.batches.values() ?? []) n += batch.length;
    return n;
  };
  let settledWaiters: (() => void)[] = [];
  function noteSettled(): void {
    if (settledWaiters.length === 0 || pending() > 0) return;
    const done = settledWaiters;
    settledWaiters = [];
    for (const resolve of done) resolve();
  }
  const settled = (): Promise<void> =>
    pending() === 0 ? Promise.resolve() : new Promise<void>((resolve) => settledWaiters.push(resolve));

  const post = () => {
    scheduled = false;
    if (frames.length === 0) return;
    const batch = { frames, receivedAt: times, waiting };
    frames = [];
    times = [];
    waiting = [];
    let thread: Thread | undefined;
    for (let tries = 0; tries < threads.length && !thread; tries++) thread = threads[turn++ % threads.length];
    if (!thread) {
      const error = new Error('the HL7 decide workers are restarting');
      for (const w of batch.waiting) w.reject(error);
      noteSettled();
      return;
    }
    let total = 0;
    for (const f of batch.frames) total += f.length;
    // Its own ArrayBuffer, so it can be transferred: a Buffer may be a view of a shared pool.
    const bytes = new Uint8Array(total);
    const ends: number[] = [];
    let at = 0;
    for (const f of batch.frames) {
      bytes.set(f, at);
      at += f.length;
      ends.push(at);
    }
    const id = nextBatch++;
    thread.batches.set(id, batch.waiting);
    thread.worker.postMessage({ id, bytes, ends, receivedAt: batch.receivedAt } satisfies DecideBatch, [
      bytes.buffer,
    ]);
  };

  return {
    decide(frame, receivedAt) {
      if (closing) return Promise.reject(new Error('the HL7 decide workers are stopping'));
      return new Promise<Decision>((resolve, reject) => {
        frames.push(frame);
        times.push(receivedAt);
        waiting.push({ resolve, reject });
        if (!scheduled) {
          scheduled = true;
          // Every socket read of this turn joins the batch.
          setImmediate(post);
        }
      });
    },
    get pending() {
      return pending();
    },
    settled,
    workers: () => ({
      threads: threads.length,
      running: threads.filter((t) => t !== undefined).length,
      restarts,
      lastExitAt,
    }),
    async close() {
      closing = true;
      post();
      // What is being decided is answered first; a worker that hangs doesn't hold shutdown.
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([settled(), new Promise((r) => (timer = setTimeout(r, 2000)))]);
      clearTimeout(timer);
      await Promise.all(threads.flatMap((t) => (t ? [t.worker.terminate()] : [])));
    },
  };
}
