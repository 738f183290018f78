import { randomBytes } from 'node:crypto';
import { rmSync } from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { COHORT_CHUNK_ROWS } from '../deid/cohort';
import { planRelease, planReleaseAsync } from '../deid/pipeline';
import { ProfileStore } from '../deid/profile-store';
import { openScratchStore, silentLogger } from '../ingest/hl7/test-support';
import { ProductCatalog } from '../products/catalog';
import { loopTurns } from '../testing/loop-turns';
import { DatasetExporter } from './exporter';

/**
 * An export of a large store must leave the node's event loop free (live vitals, ingest ACKs,
 * API calls run on it). Proved by counting turns of the loop, which doesn't depend on how fast
 * or loaded the machine is, and by a timer's gaps measured against the export's own duration.
 */

const ROWS = 6 * COHORT_CHUNK_ROWS;
const PATIENTS = 300;
const CODES = ['hr', 'spo2', 'rr', 'temp'];
let store: ReturnType<typeof openScratchStore>;

beforeAll(() => {
  store = openScratchStore();
  const { db } = store;
  const now = Date.now();
  const patient = db.prepare(
    'INSERT INTO patients (id, family_name, given_name, birth_date, sex, unit, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?)',
  );
  const insert = db.prepare(`INSERT INTO observations (patient_id, code, code_system, source_code, value_type,
    value_num, unit, observed_at, received_at) VALUES (?, ?, 'vitalmesh', ?, 'NM', ?, '/min', ?, ?)`);
  const t0 = Date.UTC(2026, 5, 1);
  db.transaction(() => {
    for (let p = 1; p <= PATIENTS; p++)
      patient.run(p, `F${p}`, `G${p}`, '1970-01-01', p % 2 ? 'F' : 'M', 'Ward 3', now, now);
    for (let i = 0; i < ROWS; i++) {
      const code = CODES[Math.floor(i / PATIENTS) % CODES.length]!;
      const t = t0 + Math.floor(i / PATIENTS) * 1000;
      insert.run(1 + (i % PATIENTS), code, code, 60 + (i % 40), t, t);
    }
  })();
}, 120_000);
afterAll(() => store.close());

describe('exports keep the event loop free', () => {
  it('plans a release of a large store in chunks with the loop turning between them', async () => {
    const catalog = new ProductCatalog(store.db);
    const profiles = new ProfileStore(store.db);
    const request = {
      product: catalog.definitions.require('vitals-1min'),
      profile: profiles.require('safe-harbor'),
      key: randomBytes(32),
    };
    const turns = loopTurns();
    const plan = await planReleaseAsync(store.db, request);
    // 6 chunks of index entries → at least 5 turns; a pass in one piece lets none through.
    expect(turns.stop()).toBeGreaterThanOrEqual(5);
    const same = planRelease(store.db, request);
    expect(plan.gate).toEqual(same.gate);
    expect(plan.releasedRows).toBe(same.releasedRows);
    expect(plan.totalRows).toBe(same.totalRows);
  });

  it('a timer keeps firing while a whole CSV export runs', async () => {
    const exporter = new DatasetExporter({
      db: store.db,
      dataDir: store.dir,
      catalog: new ProductCatalog(store.db),
      profiles: new ProfileStore(store.db),
      audit: () => undefined,
      logger: silentLogger(),
    });
    const EVERY_MS = 10;
    const gaps: number[] = [];
    let last = performance.now();
    const timer = setInterval(() => {
      const now = performance.now();
      gaps.push(now - last);
      last = now;
    }, EVERY_MS);
    const turns = loopTurns();
    const started = performance.now();
    const { done } = exporter.start(
      { product: 'vitals-raw', profile: 'safe-harbor', format: 'csv' },
      { userId: 1, username: 'test', role: 'researcher', host: 'test', remoteAddress: null },
    );
    const status = await done;
    const duration = performance.now() - started;
    clearInterval(timer);
    const turned = turns.stop();
    expect(status.state).toBe('done');
    expect(status.written).toBe(ROWS);
    // Every batch of 2,000 rows and every chunk of the patient pass is followed by a turn.
    expect(turned).toBeGreaterThanOrEqual(ROWS / 2000);
    // The timer fired through the whole export, never held back for a large part of it.
    expect(gaps.length).toBeGreaterThanOrEqual(duration / EVERY_MS / 4);
    expect(Math.max(...gaps)).toBeLessThan(duration / 3);
    for (const f of status.files ?? []) rmSync(f.path, { force: true });
    await exporter.close();
  }, 120_000);
});
