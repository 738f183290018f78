/**
 * Retention purge benchmark (issue 9). An encrypted store (fresh, so auto_vacuum=INCREMENTAL) is
 * filled with observations, most of them past a 30-day period; then the real HL7 ingest (MLLP
 * listener → parse → group commit → ACK) takes load from a separate process, first alone, then
 * while the retention job purges on the same connection (2,000-row batches, short transactions,
 * a pause between them) and hands the pages back with incremental vacuum.
 *
 *   npm run bench -- retention            10M observations (8M past the period), 10 s windows
 *   npm run bench -- retention --quick    400k observations, 3 s windows (under a minute)
 *
 * Figures: purgeRowsPerSec (rows deleted / deletion time, vacuum apart), vacuum time, and ingest
 * messages/s and ACK latency with and without the purge running. Last line: one JSON object.
 */
import { fork } from 'node:child_process';
import { cpus, loadavg } from 'node:os';
import { startHl7Ingest } from '../main/ingest/hl7/service';
import { openScratchStore, silentLogger } from '../main/ingest/hl7/test-support';
import { defaultRetentionClasses } from '../main/retention/classes';
import { RetentionService } from '../main/retention/service';
import { autoVacuumMode } from '../main/store/maintenance';
import type { LoadRequest, LoadResult } from './ingest-load';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 400_000 : 10_000_000;
const OLD_SHARE = 0.8;
const MEASURE_MS = quick ? 3000 : 10_000;
const WARMUP_MS = quick ? 500 : 1500;
const CONNECTIONS = 10;
const DAY = 86_400_000;

const load = fork(new URL('./ingest-load.ts', import.meta.url), [], { execArgv: ['--import', 'tsx'] });
const runLoad = (req: LoadRequest) =>
  new Promise<LoadResult>((resolve, reject) => {
    load.once('message', (m: { ok: boolean; result?: LoadResult; error?: string }) =>
      m.ok && m.result ? resolve(m.result) : reject(new Error(m.error)),
    );
    load.send(req);
  });

const store = openScratchStore();
const { db } = store;
try {
  const now = Date.now();
  const fillStart = performance.now();
  const patients = 200;
  const patient = db.prepare('INSERT INTO patients (family_name, created_at, updated_at) VALUES (?, ?, ?)');
  for (let p = 0; p < patients; p++) patient.run(`Bench${p}`, now, now);
  const insert = db.prepare(
    `INSERT INTO observations (patient_id, code, code_system, source_code, value_type, value_num, unit, observed_at, received_at)
     VALUES (?, ?, 'vitalmesh', ?, 'NM', ?, '/min', ?, ?)`,
  );
  const old = Math.round(ROWS * OLD_SHARE);
  // Old rows span 31–120 days back, young ones the last 29 days; interleaved by patient like a ward.
  const fill = db.transaction((from: number, to: number) => {
    for (let i = from; i < to; i++) {
      const isOld = i < old;
      const age = isOld ? 31 * DAY + ((i * 7919) % (89 * DAY)) : (i * 7919) % (29 * DAY);
      insert.run((i % patients) + 1, i % 3 === 0 ? 'HR' : 'SPO2', 'X', 60 + (i % 40), now - age, now);
    }
  });
  for (let i = 0; i < ROWS; i += 10_000) fill(i, Math.min(ROWS, i + 10_000));
  db.pragma('wal_checkpoint(TRUNCATE)');
  const fillSeconds = (performance.now() - fillStart) / 1000;

  const hl7 = await startHl7Ingest({ port: 0 }, { db, logger: silentLogger() });
  const port = hl7.listener.port;
  const request = (tag: string): LoadRequest => ({
    port,
    connections: CONNECTIONS,
    window: 4,
    warmupMs: WARMUP_MS,
    measureMs: MEASURE_MS,
    beds: 200,
    tag,
  });
  const baseline = await runLoad(request('base'));

  const retention = new RetentionService({
    db,
    classes: defaultRetentionClasses({ db, dataDir: store.dir }),
    audit: () => undefined,
    logger: silentLogger(),
    scheduleHours: 0,
  });
  retention.setPolicy('observations', 30, 'bench');
  const during = runLoad(request('purge'));
  // The purge starts as the load's measuring window opens, and outlasts it (see purgeSeconds).
  await new Promise((r) => setTimeout(r, WARMUP_MS));
  const purgeStart = performance.now();
  const run = await retention.run({ dryRun: false, actor: 'bench' });
  const purgeEnd = performance.now();
  const withPurge = await during;
  await hl7.close();

  const deleted = run.classes.find((c) => c.class === 'observations')!.rows;
  const deleteSeconds = retention.lastTimings!.deleteMs / 1000;
  const vacuumSeconds = retention.lastTimings!.vacuumMs / 1000;
  const runSeconds = (purgeEnd - purgeStart) / 1000;
  const perSecond = (r: LoadResult) => Math.round(r.acked / r.seconds);
  console.log(
    JSON.stringify({
      bench: 'retention',
      quick,
      observations: ROWS,
      fillSeconds: Math.round(fillSeconds),
      autoVacuum: autoVacuumMode(db),
      purgedRows: deleted,
      expectedRows: old,
      deleteSeconds: Math.round(deleteSeconds * 10) / 10,
      purgeRowsPerSec: Math.round(deleted / deleteSeconds),
      vacuumSeconds: Math.round(vacuumSeconds * 10) / 10,
      runSeconds: Math.round(runSeconds * 10) / 10,
      freedPages: run.freedPages,
      measureWindowInsidePurge: deleteSeconds * 1000 > MEASURE_MS,
      ingestConnections: CONNECTIONS,
      ingestMsgsPerSecBaseline: perSecond(baseline),
      ingestMsgsPerSecDuringPurge: perSecond(withPurge),
      ingestRatio: Math.round((perSecond(withPurge) / perSecond(baseline)) * 100) / 100,
      ackP99MsBaseline: baseline.p99Ms,
      ackP99MsDuringPurge: withPurge.p99Ms,
      cpus: cpus().length,
      loadAvg1m: Math.round(loadavg()[0]! * 10) / 10,
    }),
  );
} finally {
  load.kill();
  store.close();
}
