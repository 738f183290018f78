/**
 * Store layout benchmark: what an ingest-sized commit costs the encrypted store under three ways
 * of indexing observations for the trend query, and what each does to that query. It measures the
 * lever behind issue 4's open targets (see docs/performance.md); the node uses the first layout.
 *
 *  - series-index: today's schema (migration 0510), a covering index keyed (patient, code, time).
 *    A monitor's message carries ~9 codes, so each of its rows lands on the tail leaf of its own
 *    series: an ingest commit rewrites about one index page per row.
 *  - time-first: the same covering index keyed (patient, time, code): a message's rows are
 *    neighbours, but the trend query reads every code of the patient over its range.
 *  - deferred-series: no series index on observations; an index on (patient, time) instead, and a
 *    WITHOUT ROWID series table filled from the new rows in one sorted batch every DEFER commits
 *    (~1 s of ingest at today's group size). The trend query reads the series table plus the
 *    rows not yet moved into it.
 *
 * Each layout: a fresh encrypted store, a history of HISTORY rows, then COMMITS commits of 150
 * messages × 9 observations from 200 beds (bench/ingest.ts's group size and beds), each bed's time
 * moving on a second per message. Figures: CPU µs and WAL frames (pages written) per row, and the
 * query "one patient, one code, last 5 minutes" p50/p99.
 *
 *   npm run bench -- store-layout            1.4M rows of history, 300 commits
 *   npm run bench -- store-layout --quick    700k rows of history, 120 commits (under a minute)
 *
 * Prints one JSON object as its last line.
 */
import type { Database as Db } from 'better-sqlite3-multiple-ciphers';
import { INSERT_OBSERVATION_SQL, insertObservationRow } from '../main/ingest/store-sql';
import { openScratchStore } from '../main/ingest/hl7/test-support';
import { reusableRow, seedBeds } from './seed-rows';

const quick = process.argv.includes('--quick');
const HISTORY = quick ? 700_000 : 1_400_000;
const COMMITS = quick ? 120 : 300;
const DEFER = 30;
const MESSAGES_PER_COMMIT = 150;
const BEDS = 200;
const CODES = ['hr', 'spo2', 'pulse-spo2', 'rr', 'temp', 'etco2', 'nibp-sys', 'nibp-dia', 'nibp-mean'];
const QUERIES = 2000;
const WINDOW_MS = 5 * 60 * 1000;

type Layout = 'series-index' | 'time-first' | 'deferred-series';

const LAYOUT_SQL: Record<Layout, string> = {
  'series-index': '',
  'time-first': `DROP INDEX observations_patient_code_time;
    CREATE INDEX observations_patient_time_code ON observations(patient_id, observed_at, code, value_num, unit);`,
  'deferred-series': `DROP INDEX observations_patient_code_time;
    CREATE INDEX observations_patient_time ON observations(patient_id, observed_at);
    CREATE TABLE observation_series (patient_id INTEGER NOT NULL, code TEXT NOT NULL,
      observed_at INTEGER NOT NULL, id INTEGER NOT NULL, value_num REAL, unit TEXT,
      PRIMARY KEY (patient_id, code, observed_at, id)) WITHOUT ROWID, STRICT;
    CREATE TABLE observation_series_mark (up_to INTEGER NOT NULL) STRICT;
    INSERT INTO observation_series_mark VALUES (0);`,
};

const TREND_SQL = `SELECT value_num, unit, observed_at FROM observations
  WHERE patient_id = @patient AND code = @code AND observed_at > @from AND observed_at <= @to
  ORDER BY observed_at`;
/** The series table up to its mark, then the rows stored since, which only (patient, time) indexes. */
const DEFERRED_TREND_SQL = `SELECT value_num, unit, observed_at FROM observation_series
  WHERE patient_id = @patient AND code = @code AND observed_at > @from AND observed_at <= @to
  UNION ALL SELECT value_num, unit, observed_at FROM observations
  WHERE patient_id = @patient AND observed_at > @from AND observed_at <= @to AND code = @code
    AND id > (SELECT up_to FROM observation_series_mark)
  ORDER BY observed_at`;

function run(layout: Layout) {
  const store = openScratchStore();
  const db: Db = store.db;
  // Checkpoints by hand, so the WAL's length counts the pages the commits wrote.
  db.pragma('wal_autocheckpoint=0');
  db.exec(LAYOUT_SQL[layout]);
  const now = Date.UTC(2026, 10, 1);
  seedBeds(db, BEDS, now);
  const insert = db.prepare(INSERT_OBSERVATION_SQL);
  const { value, source } = reusableRow();
  const moveSeries =
    layout === 'deferred-series'
      ? db.transaction(() => {
          const from = (db.prepare('SELECT up_to FROM observation_series_mark').get() as { up_to: number })
            .up_to;
          const to = (db.prepare('SELECT coalesce(max(id), 0) AS m FROM observations').get() as { m: number })
            .m;
          db.prepare(
            `INSERT INTO observation_series SELECT patient_id, code, observed_at, id, value_num, unit
             FROM observations WHERE id > ? AND id <= ? ORDER BY patient_id, code, observed_at, id`,
          ).run(from, to);
          db.prepare('UPDATE observation_series_mark SET up_to = ?').run(to);
        })
      : undefined;
  let message = 0;
  let commits = 0;
  const commit = db.transaction(() => {
    for (let m = 0; m < MESSAGES_PER_COMMIT; m++, message++) {
      const bed = (message % BEDS) + 1;
      const at = now + Math.floor(message / BEDS) * 1000;
      for (const code of CODES) {
        value.code = code;
        value.valueNum = 60 + (message % 40);
        value.observedAt = at;
        source.patientId = bed;
        source.deviceId = bed;
        source.messageId = message;
        source.receivedAt = at;
        insertObservationRow(insert, value, source, '1.2.1.1', null);
      }
    }
  });
  const ingestCommit = () => {
    commit();
    if (moveSeries && ++commits % DEFER === 0) moveSeries();
  };
  const rowsPerCommit = MESSAGES_PER_COMMIT * CODES.length;
  for (let i = 0; i < HISTORY / rowsPerCommit; i++) ingestCommit();
  db.pragma('wal_checkpoint(TRUNCATE)');

  const cpu0 = process.cpuUsage();
  for (let i = 0; i < COMMITS; i++) ingestCommit();
  const cpu = process.cpuUsage(cpu0);
  // PASSIVE reports the WAL's length in frames; nothing else writes, so it is all these commits'.
  const frames = (db.pragma('wal_checkpoint(PASSIVE)') as { log: number }[])[0]!.log;
  const rows = COMMITS * rowsPerCommit;

  const query = db.prepare(layout === 'deferred-series' ? DEFERRED_TREND_SQL : TREND_SQL).raw();
  const end = now + Math.floor(message / BEDS) * 1000;
  const times: number[] = [];
  let returned = 0;
  for (let q = 0; q < QUERIES; q++) {
    const t = performance.now();
    const args = { patient: (q % BEDS) + 1, code: CODES[q % CODES.length], from: end - WINDOW_MS, to: end };
    returned += query.all(args).length;
    times.push(performance.now() - t);
  }
  times.sort((a, b) => a - b);
  store.close();
  return {
    layout,
    cpuMicrosPerRow: Number(((cpu.user + cpu.system) / rows).toFixed(2)),
    walFramesPerRow: Number((frames / rows).toFixed(3)),
    queryRowsMean: Math.round(returned / QUERIES),
    queryP50Ms: Number(times[Math.floor(QUERIES / 2)]!.toFixed(3)),
    queryP99Ms: Number(times[Math.floor(QUERIES * 0.99)]!.toFixed(3)),
  };
}

const layouts: Layout[] = ['series-index', 'time-first', 'deferred-series'];
const results = layouts.map((l) => {
  const r = run(l);
  console.log(
    `${l}: ${r.cpuMicrosPerRow} µs/row, ${r.walFramesPerRow} WAL frames/row, query p50 ${r.queryP50Ms} ms`,
  );
  return r;
});
console.log(
  JSON.stringify({
    bench: 'store-layout',
    quick,
    historyRows: HISTORY,
    commits: COMMITS,
    rowsPerCommit: MESSAGES_PER_COMMIT * CODES.length,
    deferredEveryCommits: DEFER,
    beds: BEDS,
    queryWindowMinutes: WINDOW_MS / 60_000,
    layouts: results,
  }),
);
