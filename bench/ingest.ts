/**
 * HL7 v2 ingest benchmark. In one run:
 *  - the encrypted store's own ceiling: observations/s inserted directly, large transactions;
 *  - the real ingest (MLLP listener → parse → ORU^R01 mapping → group commit → ACK after commit)
 *    into an encrypted store, with 1, 10 and 100 concurrent connections;
 *  - a bare MLLP server that ACKs every frame without parsing or storing (the transport's ceiling).
 * The load comes from a separate process (bench/ingest-load.ts) so it doesn't share the ingest's
 * event loop. Messages are IHE PCD-01 ORU^R01 with 10 OBX (an MDS container + 9 metrics).
 *
 *   npm run bench -- ingest            10 s per phase, 1M rows for the ceiling
 *   npm run bench -- ingest --quick    3 s per phase, 200k rows (under a minute)
 *   npm run bench -- ingest --decide-threads 0   frames read on the store's thread (default: the node's)
 *
 * Prints one JSON object as its last line. Targets (issue 4): ≥ 10,000 messages/s with 10
 * connections, and ingested observations/s ≥ 0.7 × the store's ceiling.
 */
import { fork } from 'node:child_process';
import { createServer, type AddressInfo } from 'node:net';
import { cpus, loadavg } from 'node:os';
import { DEFAULT_CATALOG } from '../shared/catalog/vital-signs';
import { startListener } from '../main/ingest/hl7/listener';
import { frame, MllpFramer } from '../main/ingest/hl7/mllp';
import { defaultDecideThreads, startDecidePool } from '../main/ingest/hl7/decide-pool';
import { createIngest } from '../main/ingest/hl7/pipeline';
import { INSERT_OBSERVATION_SQL, insertObservationRow } from '../main/ingest/store-sql';
import { openScratchStore, silentLogger } from '../main/ingest/hl7/test-support';
import { startCheckpointer } from '../main/store/checkpointer';
import type { LoadRequest, LoadResult } from './ingest-load';
import { reusableRow, seedBeds } from './seed-rows';

const quick = process.argv.includes('--quick');
/** Threads reading frames beside the store's: the node's default, or `--decide-threads N`. */
const threadsFlag = process.argv.indexOf('--decide-threads');
const DECIDE_THREADS = threadsFlag > 0 ? Number(process.argv[threadsFlag + 1]) : defaultDecideThreads();
const MEASURE_MS = quick ? 3000 : 10_000;
const WARMUP_MS = quick ? 700 : 2000;
const CEILING_ROWS = quick ? 200_000 : 1_000_000;
const CEILING_BATCH = 10_000;
const BEDS = 200;
const CHECKPOINTER_SETTLE_MS = 1000;
/**
 * In flight per connection: gateways pipeline, a single monitor keeps one. Bounded overall so
 * 100 connections measure throughput, not a queue of thousands waiting for their ACK.
 */
const windowFor = (connections: number) =>
  Number(process.env.BENCH_WINDOW ?? Math.min(32, Math.ceil(320 / connections)));

const load = fork(new URL('./ingest-load.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'] });
const runLoad = (req: LoadRequest) =>
  new Promise<LoadResult>((resolve, reject) => {
    load.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) =>
      m.ok && m.result ? resolve(m.result) : reject(new Error(m.error)),
    );
    load.send(req);
  });

/** Observations/s the encrypted store takes when rows are inserted directly in big transactions. */
async function storeCeiling(): Promise<{
  obsPerSec: number;
  rows: number;
  rowsPerTransaction: number;
  cpuMicrosPerObs: number;
}> {
  const store = openScratchStore();
  const checkpoints = await backgroundCheckpoints(store);
  try {
    const now = Date.now();
    const db = store.db;
    seedBeds(db, BEDS, now);
    const insert = db.prepare(INSERT_OBSERVATION_SQL);
    const codes = [
      'hr',
      'spo2',
      'pulse-spo2',
      'rr',
      'temp',
      'etco2',
      'nibp-sys',
      'nibp-dia',
      'nibp-mean',
      'pulse-nibp',
    ];
    const { value, source } = reusableRow();
    const t0 = process.hrtime.bigint();
    const cpu0 = process.cpuUsage();
    for (let done = 0; done < CEILING_ROWS; done += CEILING_BATCH) {
      db.transaction(() => {
        for (let i = done; i < done + CEILING_BATCH; i++) {
          const patientId = (Math.floor(i / codes.length) % BEDS) + 1;
          const at = now + Math.floor(i / (BEDS * codes.length)) * 1000;
          // The ingest's own statement and binding (store-sql.ts insertObservationRow).
          value.code = codes[i % codes.length]!;
          value.valueNum = 60 + (i % 400) / 10;
          value.observedAt = at;
          source.patientId = patientId;
          source.deviceId = patientId;
          source.messageId = Math.floor(i / codes.length);
          source.receivedAt = at;
          insertObservationRow(insert, value, source, '1.2.1.1', null);
        }
      })();
    }
    const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
    return {
      obsPerSec: Math.round(CEILING_ROWS / seconds),
      rows: CEILING_ROWS,
      rowsPerTransaction: CEILING_BATCH,
      cpuMicrosPerObs: Number((cpuMicros(cpu0) / CEILING_ROWS).toFixed(2)),
    };
  } finally {
    await checkpoints.close();
    store.close();
  }
}

/**
 * As the node runs its store (main/node.ts): WAL checkpoints on their own thread, for the
 * ceiling and the ingest alike, so neither pays them inside its commits.
 */
async function backgroundCheckpoints(store: ReturnType<typeof openScratchStore>) {
  const checkpointer = startCheckpointer({
    file: store.file,
    key: store.key,
    logger: silentLogger(),
    writer: store.db,
  });
  // Its thread starts and opens its own connection first (a worker and a native module to load):
  // let that pass before a clock or a CPU count starts, so neither the ceiling nor the ingest is
  // charged for it.
  await new Promise((r) => setTimeout(r, CHECKPOINTER_SETTLE_MS));
  return checkpointer;
}

/** The full ingest on a fresh encrypted store, at `connections` concurrent senders. */
async function ingestRun(connections: number) {
  const store = openScratchStore();
  const checkpoints = await backgroundCheckpoints(store);
  const logger = silentLogger();
  const decider =
    DECIDE_THREADS > 0
      ? startDecidePool({ threads: DECIDE_THREADS, localCodes: [], keepTypes: ['ADT'], logger })
      : undefined;
  const ingest = createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger, decider });
  const listener = await startListener({ ingest, logger, port: 0 });
  try {
    const cpu0 = process.cpuUsage();
    const loop0 = performance.eventLoopUtilization();
    const r = await runLoad({
      port: listener.port,
      connections,
      window: windowFor(connections),
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      beds: BEDS,
      tag: `c${connections}`,
    });
    // How busy the thread that owns the store was: near 1, it is what limits the ingest.
    const storeThreadBusy = performance.eventLoopUtilization(loop0).utilization;
    const c = ingest.counters;
    // The node's own CPU per message (warm-up included), whatever share of the machine it got.
    const cpuPerMessage = cpuMicros(cpu0) / Math.max(1, c.received);
    const obsPerMessage = c.accepted > 0 ? c.observations / c.accepted : 0;
    const messagesPerSec = r.acked / r.seconds;
    return {
      connections,
      inFlightPerConnection: windowFor(connections),
      messagesPerSec: Math.round(messagesPerSec),
      obsPerSec: Math.round(messagesPerSec * obsPerMessage),
      obxPerMessage: r.obxPerMessage,
      storedObsPerMessage: Number(obsPerMessage.toFixed(2)),
      messagesPerCommit: Number((c.received / Math.max(1, c.commits)).toFixed(1)),
      nodeCpuMicrosPerMessage: Math.round(cpuPerMessage),
      storeThreadBusyRatio: Number(storeThreadBusy.toFixed(3)),
      notAccepted: r.notAccepted,
      ackP50Ms: r.p50Ms,
      ackP99Ms: r.p99Ms,
    };
  } finally {
    await listener.close();
    await decider?.close();
    ingest.close();
    await checkpoints.close();
    store.close();
  }
}

const cpuMicros = (since: NodeJS.CpuUsage): number => {
  const d = process.cpuUsage(since);
  return d.user + d.system;
};

/** A server that answers every frame with a fixed AA at once: no parse, no store. */
async function bareRun(connections: number) {
  const ack = frame('MSH|^~\\&|BARE|BENCH|||20260101000000||ACK^R01^ACK|1|P|2.6\rMSA|AA|1');
  const server = createServer((socket) => {
    socket.setNoDelay(true);
    const framer = new MllpFramer(1 << 20, {
      onFrame: () => socket.write(ack),
      onOversized: () => socket.write(ack),
      onJunk: () => undefined,
    });
    socket.on('data', (d: Buffer) => framer.push(d));
    socket.on('error', () => undefined);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  try {
    const r = await runLoad({
      port: (server.address() as AddressInfo).port,
      connections,
      window: windowFor(connections),
      warmupMs: WARMUP_MS,
      measureMs: MEASURE_MS,
      beds: BEDS,
      tag: 'bare',
    });
    return { connections, messagesPerSec: Math.round(r.acked / r.seconds), ackP99Ms: r.p99Ms };
  } finally {
    await new Promise((r) => server.close(r));
  }
}

try {
  const ceiling = await storeCeiling();
  console.log(`store ceiling: ${ceiling.obsPerSec} observations/s`);
  const ingest = [];
  for (const connections of [1, 10, 100]) {
    const r = await ingestRun(connections);
    console.log(`ingest, ${connections} connections: ${r.messagesPerSec} msg/s, ${r.obsPerSec} obs/s`);
    ingest.push(r);
  }
  const bare = await bareRun(10);
  console.log(`bare MLLP, 10 connections: ${bare.messagesPerSec} msg/s`);
  const ten = ingest.find((r) => r.connections === 10)!;
  const ratio = Number((ten.obsPerSec / ceiling.obsPerSec).toFixed(3));
  // The same ratio per CPU-second: on a machine shared with other work, wall-clock figures say
  // as much about the neighbours as about the ingest.
  const cpuRatio = Number(
    ((ceiling.cpuMicrosPerObs * ten.storedObsPerMessage) / ten.nodeCpuMicrosPerMessage).toFixed(3),
  );
  console.log(
    JSON.stringify({
      bench: 'ingest',
      quick,
      secondsPerPhase: MEASURE_MS / 1000,
      storeCeilingObsPerSec: ceiling.obsPerSec,
      storeCeilingRowsPerTransaction: ceiling.rowsPerTransaction,
      decideThreads: DECIDE_THREADS,
      ingest,
      bareMllp: bare,
      ingestToStoreCeilingRatio: ratio,
      ingestToStoreCeilingCpuRatio: cpuRatio,
      storeCeilingCpuMicrosPerObs: ceiling.cpuMicrosPerObs,
      loadAverage1m: Number(loadavg()[0]?.toFixed(2)),
      cpus: cpus().length,
      targetMessagesPerSecAt10: 10_000,
      targetRatio: 0.7,
      meetsTargets: ten.messagesPerSec >= 10_000 && ratio >= 0.7,
    }),
  );
} finally {
  load.kill();
}
