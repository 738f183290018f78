import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deidProfile, type DeidProfile } from '../../shared/api/products';
import { openScratchStore } from '../ingest/hl7/test-support';
import { VITALS_1MIN, VITALS_RAW } from '../products/built-in';
import type { Versioned } from '../products/versioned-store';
import { aggPageSql, rawPageSql } from '../products/source';
import { CHUNK_END_SQL, cohortSql } from './cohort';
import { planRelease, releaseBatches, type OutValue, type ReleasePlan } from './pipeline';
import { SAFE_HARBOR } from './profiles';
import { storePatient, storeSeries, syntheticWard } from './test-fixtures';

const v = <T>(definition: T & { name: string }, version = 1): Versioned<T> => ({
  name: definition.name,
  version,
  definition,
  createdAt: 0,
  createdBy: 'test',
});

const T0 = Date.UTC(2026, 2, 1, 8, 0, 0);
let store: ReturnType<typeof openScratchStore>;
const ids: number[] = [];

beforeAll(() => {
  store = openScratchStore();
  for (const p of syntheticWard(23)) ids.push(storePatient(store.db, p));
  // Irregular sampling, so intervals are worth checking: every 7 s with a jitter per patient.
  ids.forEach((id, n) => {
    storeSeries(
      store.db,
      id,
      'hr',
      T0 + n * 1300,
      180,
      7000 + n,
      (i) => (i % 50 === 7 ? undefined : 60 + ((i + n) % 40)),
      `DEV-SERIAL-${n}`,
    );
    storeSeries(store.db, id, 'spo2', T0 + n * 900, 60, 20_000, (i) => 90 + (i % 10));
  });
});
afterAll(() => store.close());

function run(plan: ReleasePlan): { rows: OutValue[][]; cursors: string[] } {
  const rows: OutValue[][] = [];
  const cursors: string[] = [];
  for (const b of releaseBatches(store.db, plan)) {
    rows.push(...b.rows);
    cursors.push(b.cursor);
  }
  return { rows, cursors };
}

const col = (plan: ReleasePlan, name: string) => plan.columns.findIndex((c) => c.name === name);
const keyA = randomBytes(32);
const keyB = randomBytes(32);

describe('release pipeline (product → de-identify → k gate)', () => {
  it('keeps every interval of a patient exactly under the date shift, and never the true time', () => {
    const plan = planRelease(store.db, {
      product: v(VITALS_RAW),
      profile: v(SAFE_HARBOR),
      key: keyA,
      pageSize: 500,
    });
    const { rows } = run(plan);
    expect(rows.length).toBe(plan.releasedRows);
    const truth = store.db
      .prepare(
        "SELECT patient_id, observed_at FROM observations WHERE value_num IS NOT NULL AND code = 'hr' ORDER BY id",
      )
      .raw()
      .all() as [number, number][];
    const pi = col(plan, 'patient');
    const ti = col(plan, 'time');
    const ci = col(plan, 'code');
    const shifted = new Map<string, number[]>();
    for (const r of rows)
      if (r[ci] === 'hr')
        (shifted.get(r[pi] as string) ?? shifted.set(r[pi] as string, []).get(r[pi] as string)!).push(
          r[ti] as number,
        );
    const original = new Map<number, number[]>();
    for (const [p, t] of truth) (original.get(p) ?? original.set(p, []).get(p)!).push(t);
    // Map pseudonyms to patients by the release's own patient table (what only the node knows).
    let checked = 0;
    for (const [id, p] of plan.patients) {
      const out = shifted.get(p.pseudonym)!;
      const src = original.get(id)!;
      expect(out.length).toBe(src.length);
      const offset = out[0]! - src[0]!;
      expect(offset).not.toBe(0);
      expect(Math.abs(offset)).toBeLessThanOrEqual(365 * 86_400_000);
      expect(Math.abs(offset % 86_400_000)).toBe(0);
      for (let i = 0; i < src.length; i++) {
        expect(out[i]! - src[i]!).toBe(offset);
        if (i > 0) expect(out[i]! - out[i - 1]!).toBe(src[i]! - src[i - 1]!);
      }
      checked++;
    }
    expect(checked).toBeGreaterThan(0);
  });

  it('pseudonyms are stable within a key and differ across keys', () => {
    const a1 = planRelease(store.db, { product: v(VITALS_RAW), profile: v(SAFE_HARBOR), key: keyA });
    const a2 = planRelease(store.db, { product: v(VITALS_1MIN), profile: v(SAFE_HARBOR), key: keyA });
    const b = planRelease(store.db, { product: v(VITALS_RAW), profile: v(SAFE_HARBOR), key: keyB });
    const setA = new Set([...a1.patients.values()].map((p) => p.pseudonym));
    for (const [id, p] of a1.patients) {
      expect(a2.patients.get(id)?.pseudonym).toBe(p.pseudonym);
      expect(b.patients.get(id)?.pseudonym).not.toBe(p.pseudonym);
      expect(setA.has(b.patients.get(id)!.pseudonym)).toBe(false);
    }
    expect(setA.size).toBe(a1.patients.size);
  });

  it('the k gate holds on the output: every released combination of quasi-identifiers has ≥ k patients', () => {
    for (const k of [2, 5, 11]) {
      const profile: DeidProfile = deidProfile.parse({
        ...SAFE_HARBOR,
        kAnonymity: { ...SAFE_HARBOR.kAnonymity, k },
      });
      const plan = planRelease(store.db, { product: v(VITALS_RAW), profile: v(profile), key: keyA });
      const { rows } = run(plan);
      const qi = ['age_band', 'sex', 'zip3', 'unit_type'].map((n) => col(plan, n));
      const classes = new Map<string, Set<OutValue>>();
      for (const r of rows) {
        const key = qi.map((i) => r[i]).join('|');
        (classes.get(key) ?? classes.set(key, new Set()).get(key)!).add(r[col(plan, 'patient')]!);
      }
      const sizes = [...classes.values()].map((s) => s.size);
      expect(Math.min(...sizes)).toBeGreaterThanOrEqual(k);
      expect(plan.gate.kAchieved).toBe(Math.min(...sizes));
      expect(plan.gate.classes).toBe(classes.size);
      expect(plan.gate.patients.released + plan.gate.patients.suppressed).toBe(23);
      expect(rows.length + plan.gate.rowsSuppressed).toBe(plan.totalRows);
    }
  });

  it('seeds the noise from the key at planning, so wiping the key afterwards (as exports do) changes nothing', () => {
    const profile = deidProfile.parse({
      ...SAFE_HARBOR,
      fields: { ...SAFE_HARBOR.fields, value: { method: 'perturb', maxAbs: 5 } },
    });
    const values = (key: Buffer, wipe: boolean) => {
      const plan = planRelease(store.db, { product: v(VITALS_RAW), profile: v(profile), key });
      if (wipe) key.fill(0);
      return run(plan).rows.map((r) => r[col(plan, 'value')]);
    };
    const a = values(Buffer.from(keyA), true);
    const b = values(Buffer.from(keyB), true);
    expect(values(Buffer.from(keyA), false)).toEqual(a);
    // Noise seeded from a wiped (all-zero) key would be the same for every export.
    const differing = a.filter((x, i) => x !== b[i]).length;
    expect(differing).toBeGreaterThan(a.length / 2);
  });

  it('suppresses everyone when fewer than k patients exist, and says so', () => {
    const profile = deidProfile.parse({ ...SAFE_HARBOR, kAnonymity: { ...SAFE_HARBOR.kAnonymity, k: 50 } });
    const plan = planRelease(store.db, { product: v(VITALS_RAW), profile: v(profile), key: keyA });
    expect(run(plan).rows).toHaveLength(0);
    expect(plan.gate.kAchieved).toBeNull();
    expect(plan.gate.patients.suppressed).toBe(23);
    expect(plan.gate.suppressed[0]?.reason).toMatch(/smaller than k=50/);
  });

  it('resumes from any cursor with nothing lost and nothing twice (raw and 1-minute)', () => {
    for (const product of [VITALS_RAW, VITALS_1MIN]) {
      const full = run(
        planRelease(store.db, { product: v(product), profile: v(SAFE_HARBOR), key: keyA, pageSize: 300 }),
      );
      const cursor = full.cursors[2]!;
      const first: OutValue[][] = [];
      let n = 0;
      for (const b of releaseBatches(
        store.db,
        planRelease(store.db, { product: v(product), profile: v(SAFE_HARBOR), key: keyA, pageSize: 300 }),
      )) {
        first.push(...b.rows);
        if (++n === 3) break;
      }
      // New rows arriving after the snapshot don't change a resumed release.
      storeSeries(store.db, ids[0]!, 'hr', T0 + 86_400_000, 10, 1000, () => 70);
      const rest = run(
        planRelease(store.db, {
          product: v(product),
          profile: v(SAFE_HARBOR),
          key: keyA,
          pageSize: 300,
          cursor,
        }),
      );
      expect([...first, ...rest.rows]).toEqual(full.rows);
    }
  });

  it('aggregates one-minute mean/min/max/count from the raw values', () => {
    const plan = planRelease(store.db, {
      product: v(VITALS_1MIN),
      profile: v(SAFE_HARBOR),
      key: keyA,
      to: T0 + 3_600_000,
    });
    const { rows } = run(plan);
    const [ti, mean, mn, mx, count] = ['time', 'value_mean', 'value_min', 'value_max', 'value_count'].map(
      (n) => col(plan, n),
    ) as [number, number, number, number, number];
    for (const r of rows) {
      expect(r[mn]! <= r[mean]! && r[mean]! <= r[mx]!).toBe(true);
      expect(r[count]).toBeGreaterThan(0);
      expect((r[ti] as number) % 60_000).toBe(0);
    }
    const counted = rows.reduce((s, r) => s + (r[count] as number), 0);
    const patients = [...plan.patients.keys()];
    const source = store.db
      .prepare(
        `SELECT count(*) AS n FROM observations WHERE value_num IS NOT NULL AND observed_at < ? AND patient_id IN (${patients.join(',')})`,
      )
      .get(T0 + 3_600_000) as { n: number };
    expect(counted).toBe(source.n);
  });

  it('reads pages through the primary key (raw) and the covering index (aggregates)', () => {
    const plan = (sql: string, args: unknown[]) =>
      (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...args) as { detail: string }[])
        .map((r) => r.detail)
        .join('\n');
    expect(plan(rawPageSql(2), [0, 1, 'hr', 'spo2', 0, 1, 10])).toMatch(/USING INTEGER PRIMARY KEY/);
    const agg = plan(aggPageSql(2), [0, '', 0, 1, 'hr', 'spo2', 0, 1, 10]);
    expect(agg).toMatch(/USING COVERING INDEX observations_patient_code_time/);
    expect(agg).not.toMatch(/TEMP B-TREE/);
    expect(plan(cohortSql(2, 'raw'), [0, '', 0, 1, 'hr', 'spo2', 0, 1])).toMatch(
      /COVERING INDEX observations_patient_code_time \(\(patient_id,code,observed_at\)>/,
    );
    const chunk = plan(cohortSql(2, '1min', true), [0, '', 0, 9, 'z', 0, 1, 'hr', 'spo2', 0, 1]);
    expect(chunk).toMatch(
      /COVERING INDEX observations_patient_code_time .*AND \(patient_id,code,observed_at\)</,
    );
    expect(plan(CHUNK_END_SQL, [0, '', 0, 10])).toMatch(/COVERING INDEX observations_patient_code_time/);
  });
});
