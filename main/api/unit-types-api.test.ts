import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UNIT_TYPES, deidProfile, type UnitTypeRow } from '../../shared/api/products';
import { hashPassword } from '../auth/password';
import { planRelease, releaseBatches } from '../deid/pipeline';
import { SAFE_HARBOR } from '../deid/profiles';
import { storePatient, storeSeries, syntheticWard } from '../deid/test-fixtures';
import type { VitalMeshNode } from '../node';
import { ProductCatalog } from '../products/catalog';
import { startTestNode } from '../testing/test-node';

/**
 * Unit types on a real node: IT sets the type of a unit label through the API (validated,
 * permission-checked and audited by the dispatcher), releases use it for the unit_type
 * quasi-identifier, and clearing it returns the unit to the guess from its label.
 */
let node: VitalMeshNode;
let cleanup: () => Promise<void>;
const tokens: Record<string, string> = {};

const call = (who: string, method: string, input: unknown) =>
  node.api.call({ host: 'console', token: tokens[who] }, method, input);
const lastAudit = () =>
  node.access.audit.chain.db
    .prepare('SELECT action, actor, target, outcome, details FROM audit_log ORDER BY seq DESC LIMIT 1')
    .get() as { action: string; actor: string; target: string | null; outcome: string; details: string };

beforeAll(async () => {
  ({ node, cleanup } = await startTestNode({ mllpEnabled: false }));
  const passwordHash = await hashPassword('unit-types-test-password');
  for (const [username, role] of [
    ['it', 'it_admin'],
    ['co', 'compliance_officer'],
    ['res', 'researcher'],
  ] as const) {
    const user = node.access.users.add({ username, displayName: username, role, passwordHash });
    tokens[username] = node.access.sessions.create(user.id, 'console').token;
  }
  // 'ICU' and 'Ward 3' (syntheticWard), 10 patients each way, so the k gate keeps both classes.
  for (const p of syntheticWard(30))
    storeSeries(node.store.db, storePatient(node.store.db, p), 'hr', Date.UTC(2026, 4, 1), 3, 5000, () => 70);
});
afterAll(async () => cleanup());

/** The unit_type values a release of vitals-raw gives, with their row counts. */
function releasedUnitTypes(): Map<string, number> {
  const product = new ProductCatalog(node.store.db).definitions.require('vitals-raw');
  // Only the unit type as a quasi-identifier, so the k gate has no reason to generalize it away.
  const definition = deidProfile.parse({
    ...SAFE_HARBOR,
    name: 'unit-type-only',
    fields: {
      ...SAFE_HARBOR.fields,
      age_band: { method: 'suppress' },
      sex: { method: 'suppress' },
      zip3: { method: 'suppress' },
    },
    kAnonymity: { k: 5, quasiIdentifiers: ['unit_type'], onSmallClass: 'generalize' },
  });
  const profile = { name: definition.name, version: 1, definition, createdAt: 0, createdBy: 'test' };
  const plan = planRelease(node.store.db, { product, profile, key: randomBytes(32) });
  const at = plan.columns.findIndex((c) => c.name === 'unit_type');
  const out = new Map<string, number>();
  for (const b of releaseBatches(node.store.db, plan))
    for (const r of b.rows) out.set(String(r[at]), (out.get(String(r[at])) ?? 0) + 1);
  return out;
}

describe('unit types', () => {
  it('lists every unit with the guess from its label until IT sets one', async () => {
    const r = await call('co', 'products.unitTypes', {});
    expect(r.ok, JSON.stringify(r)).toBe(true);
    const units = (r.ok ? (r.value as { units: UnitTypeRow[] }).units : []).map((u) => [
      u.unit,
      u.unitType,
      u.source,
      u.patients,
    ]);
    expect(units).toEqual([
      ['ICU', 'icu', 'guessed', 10],
      ['Ward 3', 'ward', 'guessed', 20],
    ]);
    expect(releasedUnitTypes()).toEqual(
      new Map([
        ['icu', 30],
        ['ward', 60],
      ]),
    );
  });

  it('IT sets a type: audited with before and after, and the next release uses it', async () => {
    const r = await call('it', 'products.setUnitType', { unit: 'Ward 3', unitType: 'stepdown' });
    expect(r.ok, JSON.stringify(r)).toBe(true);
    expect(r.ok && r.value).toMatchObject({
      unit: 'Ward 3',
      unitType: 'stepdown',
      source: 'set',
      setBy: 'it',
    });
    const audit = lastAudit();
    expect(audit).toMatchObject({
      action: 'products.setUnitType',
      actor: 'it',
      target: 'unit:Ward 3',
      outcome: 'ok',
    });
    expect(JSON.parse(audit.details)).toMatchObject({
      unitType: 'stepdown',
      was: 'ward',
      wasSource: 'guessed',
    });
    expect(releasedUnitTypes()).toEqual(
      new Map([
        ['icu', 30],
        ['stepdown', 60],
      ]),
    );
  });

  it('refuses a type outside the list with the field and reason, and other roles', async () => {
    const bad = await call('it', 'products.setUnitType', { unit: 'ICU', unitType: 'Smith wing' });
    expect(bad.ok).toBe(false);
    if (!bad.ok) {
      expect(bad.error.code).toBe('bad_request');
      expect(JSON.stringify(bad.error)).toContain('unitType');
    }
    // The table refuses it too, whatever writes it.
    expect(() =>
      node.store.db
        .prepare(
          "INSERT INTO unit_types (unit, unit_type, set_by, set_at) VALUES ('X', 'Smith wing', 'x', 0)",
        )
        .run(),
    ).toThrow(/CHECK constraint/);
    for (const who of ['co', 'res']) {
      const denied = await call(who, 'products.setUnitType', { unit: 'ICU', unitType: 'ward' });
      expect(denied.ok === false && denied.error.code).toBe('forbidden');
      expect(lastAudit()).toMatchObject({ action: 'products.setUnitType', outcome: 'forbidden' });
    }
    const list = await call('res', 'products.unitTypes', {});
    expect(list.ok === false && list.error.code).toBe('forbidden');
  });

  it('the table takes every type of the list (the migration and the contract agree)', async () => {
    for (const unitType of UNIT_TYPES) {
      const r = await call('it', 'products.setUnitType', { unit: 'Annex', unitType });
      expect(r.ok && r.value, unitType).toMatchObject({ unitType, source: 'set' });
    }
    await call('it', 'products.setUnitType', { unit: 'Annex', unitType: null });
  });

  it('clearing a type returns the unit to the guess', async () => {
    const r = await call('it', 'products.setUnitType', { unit: 'Ward 3', unitType: null });
    expect(r.ok && r.value).toMatchObject({ unitType: 'ward', source: 'guessed', setBy: null });
    expect(releasedUnitTypes()).toEqual(
      new Map([
        ['icu', 30],
        ['ward', 60],
      ]),
    );
  });
});
