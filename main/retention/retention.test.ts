import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password';
import { createLogger } from '../log/logger';
import type { VitalMeshNode } from '../node';
import { startSimulator } from '../simulator/simulator';
import { autoVacuumMode } from '../store/maintenance';
import { startTestNode } from '../testing/test-node';
import { CLASSIFICATION, unclassifiedTables } from './classification';
import { defaultRetentionClasses } from './classes';
import { RetentionService } from './service';

const DAY = 86_400_000;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function itSession(node: VitalMeshNode): Promise<string> {
  const passwordHash = await hashPassword('retention-test-password');
  const user = node.access.users.add({
    username: 'it-ret',
    displayName: 'IT',
    role: 'it_admin',
    passwordHash,
  });
  return node.access.sessions.create(user.id, 'console').token;
}

const count = (node: VitalMeshNode, sql: string, ...args: unknown[]) =>
  (node.store.db.prepare(`SELECT count(*) AS n FROM ${sql}`).get(...args) as { n: number }).n;

/**
 * Rows on both sides of each class's line: `old` a minute past the period, `young` a minute
 * inside it. Returns the line per class so the test can say exactly what must go.
 */
function seed(node: VitalMeshNode, oldObservations: number) {
  const db = node.store.db;
  const now = Date.now();
  const at = (days: number, side: 'old' | 'young') => now - days * DAY + (side === 'old' ? -60_000 : 60_000);
  const patient = Number(
    db
      .prepare("INSERT INTO patients (family_name, created_at, updated_at) VALUES ('Retention', ?, ?)")
      .run(now, now).lastInsertRowid,
  );
  const obs = db.prepare(
    `INSERT INTO observations (patient_id, code, code_system, source_code, value_type, value_num, observed_at, received_at)
     VALUES (?, 'HR', 'vitalmesh', 'HR', 'NM', 70, ?, ?)`,
  );
  db.transaction(() => {
    for (let i = 0; i < oldObservations; i++) obs.run(patient, at(30, 'old') - i, now);
    for (let i = 0; i < 50; i++) obs.run(patient, at(30, 'young') + i, now);
  })();
  const msg = db.prepare(
    `INSERT INTO hl7_messages (received_at, sender, control_id, message_type, outcome, ack_code, raw, ack)
     VALUES (?, 'SEED', ?, 'ORU^R01', ?, 'AA', x'00', 'ack')`,
  );
  let n = 0;
  for (const [outcome, days] of [
    ['accepted', 10],
    ['duplicate', 10],
    ['rejected', 90],
  ] as const) {
    for (const side of ['old', 'young'] as const) msg.run(at(days, side), `S${n++}`, outcome);
  }
  const quarantine = db.prepare(
    "INSERT INTO fhir_quarantine (source_id, resource_type, reason, raw, at) VALUES (?, 'Observation', 'bad', '{}', ?)",
  );
  const source = Number(
    db
      .prepare(
        `INSERT INTO fhir_sources (name, base_url, auth_kind, resources, page_size, created_at, updated_at)
         VALUES ('seed', 'http://127.0.0.1:1/fhir', 'none', '[]', 100, ?, ?)`,
      )
      .run(now, now).lastInsertRowid,
  );
  quarantine.run(source, at(90, 'old'));
  quarantine.run(source, at(90, 'young'));
  const alarm = db.prepare(
    `INSERT INTO alarm_events (patient_id, code, kind, condition, priority, started_at, ended_at)
     VALUES (?, 'HR', 'limit', 'high', 'medium', ?, ?)`,
  );
  alarm.run(patient, at(60, 'old') - 1000, at(60, 'old'));
  alarm.run(patient, at(60, 'old') - 1000, at(60, 'young'));
  // Still going: never history, however old its start.
  alarm.run(patient, at(365, 'old'), null);
  const batch = db.prepare(
    `INSERT INTO mesh_received_batches (peer_facility_id, product_id, product_version, cursor_from, cursor_to,
       row_count, sha256, rows_json, agreement_id, agreement_version, received_at)
     VALUES ('peer', 'p', '1', ?, 'x', 1, x'00', x'00', 'a', 1, ?)`,
  );
  batch.run('c1', at(20, 'old'));
  batch.run('c2', at(20, 'young'));
  const exportsRoot = join(node.config.dataDir, 'exports', 'datasets');
  const exp = db.prepare(
    `INSERT INTO dataset_exports (id, username, product, product_version, profile, profile_version, format,
       state, files, created_at, finished_at) VALUES (?, 'r', 'p', 1, 'safe-harbor', 1, 'csv', 'done', ?, ?, ?)`,
  );
  const folders: Record<string, string> = {};
  for (const side of ['old', 'young'] as const) {
    const folder = join(exportsRoot, `seed-${side}`);
    mkdirSync(folder, { recursive: true });
    writeFileSync(join(folder, 'data.csv'), 'a\n');
    folders[side] = folder;
    exp.run(`exp-${side}`, JSON.stringify([{ path: join(folder, 'data.csv') }]), now, at(7, side));
  }
  return { patient, folders };
}

const POLICIES = {
  observations: 30,
  hl7_messages: 10,
  quarantine: 90,
  alarm_history: 60,
  peer_products: 20,
  export_files: 7,
} as const;

describe('data classification', () => {
  it('tags every table of the store once, and names only tables that exist', async () => {
    const started = await startTestNode({ mllpEnabled: false });
    cleanup = started.cleanup;
    const tables = (
      started.node.store.db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
        name: string;
      }[]
    ).map((r) => r.name);
    expect(unclassifiedTables(tables), 'classify these in main/retention/classification.ts').toEqual([]);
    for (const c of CLASSIFICATION) expect(tables, c.table).toContain(c.table);
    expect(new Set(CLASSIFICATION.map((c) => c.table)).size).toBe(CLASSIFICATION.length);
    // Every class the retention job knows is named by the classification, and the audit by none.
    const ids = defaultRetentionClasses({ db: started.node.store.db, dataDir: started.dataDir }).map(
      (c) => c.id,
    );
    for (const id of ids)
      expect(
        CLASSIFICATION.some((c) => c.retentionClass === id),
        id,
      ).toBe(true);
    expect(CLASSIFICATION.find((c) => c.table === 'audit_log')?.retentionClass).toBeNull();
  });

  it('makes new stores with incremental auto-vacuum', async () => {
    const started = await startTestNode({ mllpEnabled: false });
    cleanup = started.cleanup;
    expect(autoVacuumMode(started.node.store.db)).toBe('incremental');
  });
});

describe('retention', () => {
  it('dry run counts, then the purge deletes exactly what is past its period while MLLP ingest runs, audited', async () => {
    const started = await startTestNode();
    cleanup = started.cleanup;
    const { node } = started;
    const token = await itSession(node);
    const call = async (method: string, input: unknown) => {
      const r = await node.api.call({ host: 'console', token }, method, input);
      if (!r.ok) throw new Error(`${method}: ${r.error.message}`);
      return r.value as never;
    };
    const OLD = 40_000;
    const { folders, patient } = seed(node, OLD);
    // Nothing has a period yet: "keep" is the default, and a run deletes nothing.
    const untouched = (await call('retention.run', { dryRun: false })) as { classes: { rows: number }[] };
    expect(untouched.classes.every((c) => c.rows === 0)).toBe(true);
    for (const [cls, keepDays] of Object.entries(POLICIES))
      await call('retention.setPolicy', { class: cls, keepDays });

    const before = count(node, 'observations');
    const dry = (await call('retention.run', { dryRun: true })) as {
      classes: { class: string; rows: number }[];
    };
    const expected = {
      observations: OLD,
      hl7_messages: 2,
      quarantine: 2,
      alarm_history: 1,
      peer_products: 1,
      export_files: 1,
    };
    expect(Object.fromEntries(dry.classes.map((c) => [c.class, c.rows]))).toEqual(expected);
    expect(count(node, 'observations')).toBe(before);

    // Real monitors stream into the node while a purge with small batches runs on the same store.
    const acked: string[] = [];
    const sim = startSimulator({
      port: node.hl7!.listener.port,
      beds: 4,
      ratePerBed: 25,
      seed: 9,
      logger: createLogger({ level: 'silent' }),
      onAck: (_bed, id, code) => code === 'AA' && acked.push(id),
    });
    await expect.poll(() => acked.length, { timeout: 10_000 }).toBeGreaterThan(10);
    const purger = new RetentionService({
      db: node.store.db,
      classes: defaultRetentionClasses({ db: node.store.db, dataDir: node.config.dataDir }),
      audit: (e) => node.access.audit.append(e),
      logger: createLogger({ level: 'silent' }),
      scheduleHours: 0,
      batchRows: 500,
    });
    const ackedAtStart = acked.length;
    const run = await purger.run({ dryRun: false, actor: 'test' });
    const ackedDuringPurge = acked.length - ackedAtStart;
    await sim.stop();
    node.hl7!.ingest.flush();

    expect(Object.fromEntries(run.classes.map((c) => [c.class, c.rows]))).toEqual(expected);
    expect(ackedDuringPurge, 'ingest kept ACKing while the purge ran').toBeGreaterThan(0);
    // Exactly the young seeded rows are left, plus everything the monitors sent.
    const cutoff = Date.now() - 30 * DAY;
    expect(count(node, 'observations WHERE observed_at < ?', cutoff)).toBe(0);
    expect(
      count(
        node,
        "observations WHERE source_code = 'HR' AND code_system = 'vitalmesh' AND observed_at < ?",
        Date.now() - DAY,
      ),
    ).toBe(50);
    const ingested = (
      node.store.db
        .prepare(
          "SELECT coalesce(sum(observation_count), 0) AS n FROM hl7_messages WHERE outcome = 'accepted' AND sender != 'SEED'",
        )
        .get() as { n: number }
    ).n;
    expect(ingested).toBeGreaterThan(0);
    expect(count(node, 'observations')).toBe(50 + ingested);
    expect(count(node, "hl7_messages WHERE sender = 'SEED'")).toBe(3);
    // Every message a monitor got AA for is stored (ACK after commit); at most the one in flight
    // per bed at stop() was committed without its ACK being read.
    const stored = new Set(
      (
        node.store.db
          .prepare("SELECT control_id FROM hl7_messages WHERE sender != 'SEED' AND outcome = 'accepted'")
          .all() as { control_id: string }[]
      ).map((r) => r.control_id),
    );
    for (const id of acked) expect(stored.has(id), id).toBe(true);
    expect(stored.size - acked.length).toBeLessThanOrEqual(4);
    expect(count(node, 'fhir_quarantine')).toBe(1);
    // (The monitors' own vitals raise live alarms of their own patients: only the seeded count.)
    expect(count(node, 'alarm_events WHERE patient_id = ?', patient)).toBe(2);
    expect(count(node, 'alarm_events WHERE patient_id = ? AND ended_at IS NULL', patient)).toBe(1);
    expect(count(node, 'mesh_received_batches')).toBe(1);
    expect(existsSync(folders.old!)).toBe(false);
    expect(existsSync(folders.young!)).toBe(true);
    expect(count(node, 'dataset_exports WHERE files_disposed_at IS NOT NULL')).toBe(1);
    expect(count(node, 'dataset_exports')).toBe(2);
    expect(run.freedPages).toBeGreaterThan(0);

    // One audit entry for the run, with its counts; the chain is whole and was never purged.
    const entries = node.store.db
      .prepare("SELECT details FROM audit_log WHERE action = 'retention.purge'")
      .all() as { details: string }[];
    expect(entries).toHaveLength(1);
    const details = JSON.parse(entries[0]!.details) as { counts: Record<string, { rows: number }> };
    expect(Object.fromEntries(Object.entries(details.counts).map(([k, v]) => [k, v.rows]))).toEqual(expected);
    const apiRuns = node.store.db
      .prepare("SELECT details FROM audit_log WHERE action = 'retention.run' ORDER BY seq")
      .all() as { details: string }[];
    expect(apiRuns).toHaveLength(2);
    expect(JSON.parse(apiRuns[1]!.details)).toMatchObject({
      dryRun: true,
      counts: { observations: { rows: OLD } },
    });
    expect(node.access.audit.chain.verify().ok).toBe(true);

    // A second run finds nothing left.
    const again = await purger.run({ dryRun: false, actor: 'test' });
    expect(again.classes.every((c) => c.rows === 0)).toBe(true);
  }, 60_000);

  it('refuses an unknown class and a period out of range', async () => {
    const started = await startTestNode({ mllpEnabled: false });
    cleanup = started.cleanup;
    const token = await itSession(started.node);
    const unknown = await started.node.api.call({ host: 'console', token }, 'retention.setPolicy', {
      class: 'audit_log',
      keepDays: 1,
    });
    expect(unknown).toMatchObject({ ok: false, error: { code: 'not_found' } });
    const zero = await started.node.api.call({ host: 'console', token }, 'retention.setPolicy', {
      class: 'observations',
      keepDays: 0,
    });
    expect(zero).toMatchObject({ ok: false, error: { code: 'bad_request' } });
  });
});
