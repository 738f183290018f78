/**
 * Audit benchmark on the encrypted store: how fast the chain takes entries (one call, one
 * transaction, as the dispatcher appends; and in batches, as imports do), how fast `verify` walks
 * it, and how long compliance waits for "one patient's accesses" when the chain holds N entries.
 *
 *   npm run bench -- audit            N = 1,000,000 entries
 *   npm run bench -- audit --quick    N = 100,000 entries (under a minute; the JSON says quick)
 *
 * Prints one JSON object as its last line.
 */
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditChain, type AuditInput } from '../main/audit/chain';
import { patientReport, searchAudit } from '../main/audit/search';
import { openEncrypted } from '../main/store/database';
import { migrate } from '../main/store/migrate';

const quick = process.argv.includes('--quick');
const ENTRIES = quick ? 100_000 : 1_000_000;
/** Appends timed one by one (each its own IMMEDIATE transaction, as every API call does). */
const SINGLE = quick ? 5_000 : 20_000;
const BATCH = 1_000;
const QUERIES = quick ? 300 : 1_000;
const USERS = 300;
const PATIENTS = 5_000;
const ACTIONS = ['patients.get', 'vitals.trend', 'observations.history', 'auth.login', 'alarms.acknowledge'];
const START = Date.UTC(2026, 0, 1);
const STEP_MS = 40; // 1M entries ≈ 11 hours of a busy facility

/** A realistic entry: most calls touch a patient, some are refused, 1 in 500 breaks the glass. */
function entry(i: number): AuditInput {
  const action = ACTIONS[i % ACTIONS.length]!;
  const touchesPatient = action !== 'auth.login';
  return {
    actor: `user${(i * 7) % USERS}`,
    actorId: (i * 7) % USERS,
    role: 'clinician',
    host: 'console',
    remoteAddress: '10.0.4.17',
    action,
    target: touchesPatient ? null : `user:user${(i * 7) % USERS}`,
    patientId: touchesPatient ? 1 + ((i * 7919) % PATIENTS) : null,
    outcome: i % 37 === 0 ? 'forbidden' : 'ok',
    breakGlassReason: i % 500 === 0 ? 'covering for a colleague on another unit' : null,
    details: { sessionId: 'b3c1f9d2a7e04c55', returned: i % 50 },
  };
}

const quantile = (sorted: number[], q: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const round = (n: number, digits = 3) => Number(n.toFixed(digits));

const dir = mkdtempSync(join(tmpdir(), 'vitalmesh-bench-audit-'));
try {
  const db = openEncrypted(join(dir, 'audit.db'), { bytes: randomBytes(32) });
  migrate(db, 'bench');
  db.pragma('cache_size=-65536'); // as the node's store sets it
  let clock = START;
  const chain = new AuditChain(db, randomBytes(32), () => (clock += STEP_MS));

  // 1. One entry per transaction, as the dispatcher appends after each call.
  let t0 = process.hrtime.bigint();
  for (let i = 0; i < SINGLE; i++) chain.append(entry(i));
  const singleSeconds = ms(t0) / 1000;

  // 2. The rest in batches (how a migration or this benchmark fills the table).
  t0 = process.hrtime.bigint();
  for (let from = SINGLE; from < ENTRIES; from += BATCH) {
    const inputs: AuditInput[] = [];
    for (let i = from; i < Math.min(from + BATCH, ENTRIES); i++) inputs.push(entry(i));
    chain.appendMany(inputs);
  }
  const batchSeconds = ms(t0) / 1000;
  db.exec('ANALYZE');
  console.log(
    `append: ${Math.round(SINGLE / singleSeconds)} entries/s one per transaction, ` +
      `${Math.round((ENTRIES - SINGLE) / batchSeconds)} entries/s in batches of ${BATCH}`,
  );

  // 3. Verify the whole chain (every MAC recomputed, head checked).
  t0 = process.hrtime.bigint();
  const report = chain.verify();
  const verifySeconds = ms(t0) / 1000;
  if (!report.ok || report.checked !== ENTRIES) throw new Error(`verify failed: ${JSON.stringify(report)}`);
  console.log(`verify: ${ENTRIES} entries in ${verifySeconds.toFixed(2)} s`);

  // 4. One patient's entries (the first page, as the Audit screen asks), and their access report.
  const search: number[] = [];
  const searchInRange: number[] = [];
  const reports: number[] = [];
  let returned = 0;
  const end = START + ENTRIES * STEP_MS;
  for (let q = 0; q < QUERIES; q++) {
    const patientId = 1 + ((q * 104_729) % PATIENTS);
    let t = process.hrtime.bigint();
    returned += searchAudit(db, { patientId, limit: 50 }).entries.length;
    search.push(ms(t));
    // The last 24 hours' worth of one patient: the time range becomes a seq range.
    t = process.hrtime.bigint();
    searchAudit(db, {
      patientId,
      from: new Date(end - 6 * 3_600_000).toISOString(),
      to: new Date(end).toISOString(),
      limit: 50,
    });
    searchInRange.push(ms(t));
    if (q % 3 === 0) {
      t = process.hrtime.bigint();
      patientReport(db, patientId);
      reports.push(ms(t));
    }
  }
  for (const list of [search, searchInRange, reports]) list.sort((a, b) => a - b);
  const storeBytes = statSync(join(dir, 'audit.db')).size;
  db.close();

  console.log(
    JSON.stringify({
      bench: 'audit',
      quick,
      entries: ENTRIES,
      appendSingleEntries: SINGLE,
      appendSingleEntriesPerSec: Math.round(SINGLE / singleSeconds),
      appendBatchSize: BATCH,
      appendBatchEntriesPerSec: Math.round((ENTRIES - SINGLE) / batchSeconds),
      verifyEntriesPerSec: Math.round(ENTRIES / verifySeconds),
      verifySeconds: round(verifySeconds, 2),
      patientSearchQueries: QUERIES,
      patientSearchRowsReturnedMean: Math.round(returned / QUERIES),
      patientSearchP50Ms: round(quantile(search, 0.5)),
      patientSearchP99Ms: round(quantile(search, 0.99)),
      patientSearchLast6hP50Ms: round(quantile(searchInRange, 0.5)),
      patientSearchLast6hP99Ms: round(quantile(searchInRange, 0.99)),
      patientReportP50Ms: round(quantile(reports, 0.5)),
      patientReportP99Ms: round(quantile(reports, 0.99)),
      storeBytes,
    }),
  );
} finally {
  rmSync(dir, { recursive: true, force: true });
}
