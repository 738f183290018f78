import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { hashPassword } from '../auth/password';
import { VITALS_RAW } from '../products/built-in';
import { SAFE_HARBOR } from '../deid/profiles';
import { storePatient, storeSeries, syntheticWard } from '../deid/test-fixtures';
import type { VitalMeshNode } from '../node';
import { startTestNode } from '../testing/test-node';
import type { ExportStatus } from '../../shared/api/exports';

/**
 * The products and exports API on a real node: who may do what, bad definitions refused with the
 * field and the reason, and an export of a product the researcher isn't allowed denied and audited.
 */
let node: VitalMeshNode;
let cleanup: () => Promise<void>;
const tokens: Record<string, string> = {};

const call = (who: string, method: string, input: unknown) =>
  node.api.call({ host: 'console', token: tokens[who] }, method, input);
const lastAudit = () =>
  node.access.audit.chain.db
    .prepare('SELECT action, target, outcome, details FROM audit_log ORDER BY seq DESC LIMIT 1')
    .get() as {
    action: string;
    target: string | null;
    outcome: string;
    details: string;
  };

beforeAll(async () => {
  ({ node, cleanup } = await startTestNode({ mllpEnabled: false }));
  const passwordHash = await hashPassword('export-test-password');
  for (const [username, role] of [
    ['res.a', 'researcher'],
    ['res.b', 'researcher'],
    ['it', 'it_admin'],
  ] as const) {
    const user = node.access.users.add({ username, displayName: username, role, passwordHash });
    tokens[username] = node.access.sessions.create(user.id, 'console').token;
  }
  const t0 = Date.UTC(2026, 4, 1);
  for (const p of syntheticWard(12))
    storeSeries(node.store.db, storePatient(node.store.db, p), 'hr', t0, 50, 5000, (i) => 70 + (i % 9));
});
afterAll(async () => cleanup());

describe('products and exports API', () => {
  it('lists the built-in products with counts, coverage, quality and lineage', async () => {
    const list = await call('res.a', 'products.list', {});
    expect(list.ok && list.value).toMatchObject({
      products: expect.arrayContaining([
        expect.objectContaining({ name: 'vitals-raw', builtIn: true, exportable: true }),
        expect.objectContaining({ name: 'vitals-1min', builtIn: true, exportable: true }),
      ]) as unknown,
    });
    const d = await call('res.a', 'products.describe', { name: 'vitals-1min' });
    expect(d.ok, JSON.stringify(d)).toBe(true);
    if (!d.ok) return;
    const v = d.value as {
      rowCount: number;
      coverage: { from: string };
      columns: { name: string }[];
      quality: { rows: number };
    };
    // 12 patients × 50 values every 5 s = 250 s each → 5 one-minute intervals each.
    expect(v.rowCount).toBe(12 * 5);
    expect(v.coverage.from).toBe('2026-05-01T00:00:00.000Z');
    expect(v.columns.map((c) => c.name)).toContain('value_mean');
    expect(v.quality.rows).toBe(60);
  });

  it('refuses an invalid product definition with the field and the reason', async () => {
    const bad = { ...VITALS_RAW, name: 'hr-1min', grain: '1min', codes: ['hr', 'not-a-code'] };
    const r = await call('it', 'products.save', { definition: bad });
    expect(r.ok).toBe(false);
    if (r.ok) return;
    expect(r.error.code).toBe('bad_request');
    expect(r.error.issues).toEqual(
      expect.arrayContaining([
        { path: 'definition.codes.1', message: 'not a catalog code' },
        { path: 'definition.fields', message: 'device_type is only available at the raw grain, not 1min' },
      ]),
    );
    expect(lastAudit()).toMatchObject({ action: 'products.save', outcome: 'bad_request' });
  });

  it('refuses an invalid profile with the field and the reason', async () => {
    const leaky = {
      ...SAFE_HARBOR,
      name: 'leaky',
      fields: { ...SAFE_HARBOR.fields, patient: { method: 'keep' } },
      kAnonymity: { ...SAFE_HARBOR.kAnonymity, quasiIdentifiers: ['age_band', 'sex'] },
    };
    const r = await call('it', 'profiles.save', { definition: leaky });
    expect(!r.ok && r.error.issues).toEqual(
      expect.arrayContaining([
        expect.objectContaining({
          path: 'definition.fields.patient.method',
          message: expect.stringMatching(/keep is not allowed for patient/) as unknown,
        }),
        expect.objectContaining({
          path: 'definition.kAnonymity.quasiIdentifiers',
          message: expect.stringMatching(/zip3 is released/) as unknown,
        }),
      ]),
    );
    const builtIn = await call('it', 'profiles.save', {
      definition: { ...SAFE_HARBOR, description: 'weaker' },
    });
    expect(!builtIn.ok && builtIn.error.code).toBe('conflict');
  });

  it('a product the researcher is not allowed: denied and audited; a new version is a new version', async () => {
    const restricted = {
      ...VITALS_RAW,
      name: 'icu-raw',
      access: { researchers: ['res.a'], profiles: ['safe-harbor'] },
    };
    const saved = await call('it', 'products.save', { definition: restricted });
    expect(saved.ok && saved.value).toEqual({ name: 'icu-raw', version: 1 });
    const again = await call('it', 'products.save', {
      definition: { ...restricted, description: 'ICU raw vitals, v2' },
    });
    expect(again.ok && again.value).toEqual({ name: 'icu-raw', version: 2 });

    const denied = await call('res.b', 'exports.create', {
      product: 'icu-raw',
      profile: 'safe-harbor',
      format: 'csv',
    });
    expect(!denied.ok && denied.error.code).toBe('forbidden');
    expect(lastAudit()).toMatchObject({
      action: 'exports.create',
      target: 'product:icu-raw',
      outcome: 'forbidden',
    });
    const wrongProfile = await call('res.a', 'exports.create', {
      product: 'icu-raw',
      profile: 'safe-harbor-year',
      format: 'csv',
    });
    expect(!wrongProfile.ok && wrongProfile.error.code).toBe('forbidden');
    const itTries = await call('it', 'exports.create', {
      product: 'vitals-raw',
      profile: 'safe-harbor',
      format: 'csv',
    });
    expect(!itTries.ok && itTries.error.code).toBe('forbidden');
  });

  it('a researcher exports, follows progress, sees only their own exports; the audit holds the manifest hash', async () => {
    const created = await call('res.a', 'exports.create', {
      product: 'icu-raw',
      profile: 'safe-harbor',
      format: 'csv',
    });
    expect(created.ok, JSON.stringify(created)).toBe(true);
    if (!created.ok) return;
    const { exportId } = created.value as { exportId: string };
    const events: { state: string; progress: number }[] = [];
    const sub = await node.api.subscribe(
      { host: 'console', token: tokens['res.a'] },
      'exports.progress',
      { exportId },
      (e) => events.push(e as { state: string; progress: number }),
    );
    expect(sub.ok).toBe(true);
    let status: ExportStatus | undefined;
    for (let i = 0; i < 200; i++) {
      const g = await call('res.a', 'exports.get', { exportId });
      status = g.ok ? (g.value as ExportStatus) : undefined;
      if (status?.state !== 'running') break;
      await new Promise((r) => setTimeout(r, 25));
    }
    if (sub.ok) sub.value.close();
    expect(status?.state).toBe('done');
    expect(status?.productVersion).toBe(2);
    expect(status?.files?.map((f) => f.kind).sort()).toEqual(['data', 'manifest', 'report']);
    expect(status?.files?.every((f) => f.path.startsWith(`${node.config.dataDir}/exports/datasets/`))).toBe(
      true,
    );
    expect(events.at(-1)).toMatchObject({ state: 'done', progress: 1 });

    const other = await call('res.b', 'exports.get', { exportId });
    expect(!other.ok && other.error.code).toBe('not_found');
    const mine = await call('res.a', 'exports.list', {});
    expect(mine.ok && (mine.value as { exports: ExportStatus[] }).exports.map((e) => e.exportId)).toEqual([
      exportId,
    ]);
    const theirs = await call('res.b', 'exports.list', {});
    expect(theirs.ok && (theirs.value as { exports: unknown[] }).exports).toEqual([]);

    const completed = node.access.audit.chain.db
      .prepare("SELECT actor, details FROM audit_log WHERE action = 'exports.completed' AND target = ?")
      .get(`export:${exportId}`) as { actor: string; details: string };
    expect(completed.actor).toBe('res.a');
    expect((JSON.parse(completed.details) as { manifestSha256?: string }).manifestSha256).toBe(
      status?.manifestSha256,
    );
  });
});
