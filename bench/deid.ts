/**
 * De-identification benchmark: rows per second through product → de-identify → k gate → writer,
 * to CSV and to Parquet, over a large encrypted store, with the peak RSS while each export runs;
 * and the bare HMAC-SHA256 pseudonym rate in the same run, for comparison.
 *
 *   npm run bench -- deid            5M observations (vitals-raw through safe-harbor)
 *   npm run bench -- deid --quick    500k observations (under a minute)
 *
 * Prints one JSON object as its last line.
 */
import { randomBytes } from 'node:crypto';
import { rmSync, statSync } from 'node:fs';
import { loadavg } from 'node:os';
import { ProfileStore } from '../main/deid/profile-store';
import { pseudonym } from '../main/deid/transforms';
import { DatasetExporter } from '../main/export/exporter';
import { openScratchStore, silentLogger } from '../main/ingest/hl7/test-support';
import { ProductCatalog } from '../main/products/catalog';
import type { ExportFormat } from '../shared/api/exports';

const quick = process.argv.includes('--quick');
const ROWS = quick ? 500_000 : 5_000_000;
const PATIENTS = 400;
const BATCH = 25_000;
const CODES = ['hr', 'spo2', 'pulse-spo2', 'rr', 'nibp-sys', 'nibp-dia', 'nibp-mean', 'temp'];
const START = Date.UTC(2026, 10, 1);

const store = openScratchStore();
const db = store.db;

function fill(): number {
  const now = Date.now();
  const patient = db.prepare(
    'INSERT INTO patients (id, family_name, given_name, birth_date, sex, unit, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const zip = db.prepare('INSERT INTO patient_zip (patient_id, zip) VALUES (?, ?)');
  const device = db.prepare(
    'INSERT INTO devices (id, identifier, kind, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let p = 1; p <= PATIENTS; p++) {
      const year = 1930 + ((p * 37) % 90);
      patient.run(
        p,
        `Family${p}`,
        `Given${p}`,
        `${year}-0${1 + (p % 9)}-1${p % 9}`,
        p % 2 ? 'F' : 'M',
        p % 3 ? 'Ward 3' : 'ICU',
        now,
        now,
      );
      zip.run(p, ['02139', '02140', '10001', '94110', '60614'][p % 5]!);
      device.run(p, `00123456${String(p).padStart(8, '0')}^EUI-64`, 'MDC_DEV_ANALY_SAT_O2_VMD', now, now);
    }
  })();
  const insert =
    db.prepare(`INSERT INTO observations (patient_id, device_id, code, code_system, source_code, value_type,
    value_num, unit, observed_at, received_at) VALUES (?, ?, ?, 'vitalmesh', ?, 'NM', ?, '/min', ?, ?)`);
  const started = performance.now();
  for (let done = 0; done < ROWS;) {
    const n = Math.min(BATCH, ROWS - done);
    db.transaction(() => {
      for (let i = done; i < done + n; i++) {
        const p = 1 + (i % PATIENTS);
        const code = CODES[Math.floor(i / PATIENTS) % CODES.length]!;
        const t = START + Math.floor(i / PATIENTS) * 1000;
        insert.run(p, p, code, code, 40 + (i % 97) * 0.5, t, t);
      }
    })();
    done += n;
  }
  return Math.round(ROWS / ((performance.now() - started) / 1000));
}

function hmacRate(): number {
  const key = randomBytes(32);
  const n = quick ? 200_000 : 1_000_000;
  const started = performance.now();
  let sink = 0;
  for (let i = 0; i < n; i++) sink += pseudonym(key, 'patient', i).length;
  if (sink === 0) throw new Error('unreachable');
  return Math.round(n / ((performance.now() - started) / 1000));
}

async function exportOnce(exporter: DatasetExporter, format: ExportFormat) {
  let peak = process.memoryUsage().rss;
  const sampler = setInterval(() => (peak = Math.max(peak, process.memoryUsage().rss)), 20);
  global.gc?.();
  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  const { done } = exporter.start(
    { product: 'vitals-raw', profile: 'safe-harbor', format },
    { userId: 1, username: 'bench', role: 'researcher', host: 'cli', remoteAddress: null },
  );
  const status = await done;
  const seconds = (performance.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuBefore);
  clearInterval(sampler);
  peak = Math.max(peak, process.memoryUsage().rss);
  if (status.state !== 'done') throw new Error(`${format} export ${status.state}: ${status.error}`);
  const data = status.files!.find((f) => f.kind === 'data')!;
  const result = {
    rows: status.written,
    seconds: Math.round(seconds * 10) / 10,
    rowsPerSec: Math.round(status.written / seconds),
    // Per second of this process's CPU (all its threads): what the rate would be on a core of its
    // own, for runs on a machine others load too.
    cpuRowsPerSec: Math.round(status.written / ((cpu.user + cpu.system) / 1e6)),
    rssMb: Math.round(peak / 2 ** 20),
    fileMb: Math.round((statSync(data.path).size / 2 ** 20) * 10) / 10,
    kAchieved: status.report!.gate.kAchieved,
  };
  for (const f of status.files!) rmSync(f.path, { force: true });
  return result;
}

const insertRowsPerSec = fill();
global.gc?.();
const baseRssMb = Math.round(process.memoryUsage().rss / 2 ** 20);
console.error(`filled ${ROWS} observations (${insertRowsPerSec} rows/s), RSS before exports ${baseRssMb} MB`);
const hmacPerSec = hmacRate();
const exporter = new DatasetExporter({
  db,
  dataDir: store.dir,
  catalog: new ProductCatalog(db),
  profiles: new ProfileStore(db),
  audit: () => undefined,
  logger: silentLogger(),
});
const csv = await exportOnce(exporter, 'csv');
console.error(`csv: ${JSON.stringify(csv)}`);
const parquet = await exportOnce(exporter, 'parquet');
console.error(`parquet: ${JSON.stringify(parquet)}`);
store.close();
console.log(
  JSON.stringify({
    observations: ROWS,
    patients: PATIENTS,
    insertRowsPerSec,
    baseRssMb,
    hmacPerSec,
    csvRowsPerSec: csv.rowsPerSec,
    csvCpuRowsPerSec: csv.cpuRowsPerSec,
    csvRssMb: csv.rssMb,
    csvFileMb: csv.fileMb,
    parquetRowsPerSec: parquet.rowsPerSec,
    parquetCpuRowsPerSec: parquet.cpuRowsPerSec,
    parquetRssMb: parquet.rssMb,
    parquetFileMb: parquet.fileMb,
    kAchieved: csv.kAchieved,
    targetCsvRowsPerSec: 150_000,
    loadAverage1m: Math.round(loadavg()[0]! * 100) / 100,
    targetRssMb: 300,
  }),
);
