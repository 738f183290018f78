import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../shared/catalog/vital-signs';
import { openStore, type Store } from '../store/store';
import { keyFileNode } from '../testing/key-file-node';
import { AlarmEngine, DEVICE_CODE } from './alarm-engine';
import { ALARM_HISTORY_SQL, AlarmStore } from './alarm-store';
import type { LiveAlarm } from './bus';
import { LimitsResolver } from './limits';

let store: Store;
let cleanup: () => void;
let clock: number;
let published: LiveAlarm[];
let alarms: AlarmStore;
let limits: LimitsResolver;
let lostMs: number;

const UNITS: Record<number, string> = { 1: 'ICU', 2: 'ICU' };

beforeEach(async () => {
  const node = await keyFileNode();
  cleanup = node.cleanup;
  store = await openStore(node.dataDir, node.keys);
  const add = store.db.prepare(
    "INSERT INTO patients (id, unit, bed, created_at, updated_at) VALUES (?, ?, 'Bed 1', 0, 0)",
  );
  for (const [id, unit] of Object.entries(UNITS)) add.run(Number(id), unit);
  clock = 1_000_000;
  published = [];
  lostMs = 15_000;
  alarms = new AlarmStore(store.db);
  limits = new LimitsResolver(alarms, DEFAULT_CATALOG, (id) => UNITS[id] ?? null);
});

afterEach(() => {
  store.close();
  cleanup();
});

const engine = () =>
  new AlarmEngine({
    store: alarms,
    limits,
    unitOf: (id) => UNITS[id] ?? null,
    signalLostMs: () => lostMs,
    now: () => clock,
    publish: (a) => published.push(...a),
  });

const feed = (e: AlarmEngine, patientId: number, code: string, value: number | undefined) =>
  e.observe([{ patientId, code, value, receivedAt: clock }]);

const rows = (patientId: number) => alarms.history(patientId, 0, Number.MAX_SAFE_INTEGER, 100);

describe('alarm engine', () => {
  it('does not flap at a limit: hysteresis holds the alarm until the value is clearly back', () => {
    const e = engine();
    // SpO2 low limit 90 (catalog), hysteresis 1 %: 89 alarms, 90 holds, 91 clears.
    for (const v of [95, 89, 90, 89, 90, 90, 89, 90]) {
      feed(e, 1, 'spo2', v);
      clock += 1000;
    }
    expect(rows(1).map((a) => [a.condition, a.value, a.limit, a.endedAt])).toEqual([['low', 89, 90, null]]);
    feed(e, 1, 'spo2', 91);
    const [episode] = rows(1);
    expect(episode?.endedAt).toBe(clock);
    expect(e.activeFor(1)).toEqual([]);
    // Pushed: the start and the end, nothing for the hovering in between.
    expect(published.map((a) => [a.condition, a.endedAt === null ? 'open' : 'ended'])).toEqual([
      ['low', 'open'],
      ['low', 'ended'],
    ]);
  });

  it('escalates at once to critical (a new episode, high priority) and steps back with hysteresis', () => {
    const e = engine();
    feed(e, 1, 'hr', 125); // > 120 high
    feed(e, 1, 'hr', 152); // > 150 critical high
    feed(e, 1, 'hr', 149); // within 2 of 150: still critical
    feed(e, 1, 'hr', 147); // below 148: back to high (a new episode), not normal
    feed(e, 1, 'hr', 119); // within 2 of 120: still high
    feed(e, 1, 'hr', 117);
    expect(
      rows(1)
        .reverse()
        .map((a) => [a.condition, a.priority, a.value, a.endedAt !== null]),
    ).toEqual([
      ['high', 'medium', 125, true],
      ['critical_high', 'high', 152, true],
      ['high', 'medium', 147, true],
    ]);
  });

  it('raises signal lost for a parameter silent longer than the configured time, and ends it on the next value', () => {
    const e = engine();
    feed(e, 1, 'spo2', 97);
    feed(e, 1, 'hr', 80);
    // The device keeps sending HR, and SpO2 without a value (OBX-11 X): the probe is off.
    for (let s = 0; s < 15; s++) {
      clock += 1000;
      feed(e, 1, 'hr', 80);
      feed(e, 1, 'spo2', undefined);
      e.tick();
    }
    expect(e.activeFor(1)).toEqual([]);
    clock += 1000;
    feed(e, 1, 'hr', 80);
    e.tick();
    expect(e.activeFor(1).map((a) => [a.code, a.condition, a.kind, a.priority])).toEqual([
      ['spo2', 'signal_lost', 'technical', 'low'],
    ]);
    feed(e, 1, 'spo2', 96);
    expect(e.activeFor(1)).toEqual([]);
    expect(rows(1)[0]).toMatchObject({ code: 'spo2', condition: 'signal_lost', endedAt: clock });
  });

  it('honours a unit setting for the signal-lost time', () => {
    const e = engine();
    lostMs = 60_000;
    feed(e, 1, 'spo2', 97);
    clock += 30_000;
    feed(e, 1, 'hr', 80);
    e.tick();
    expect(e.activeFor(1)).toEqual([]);
    clock += 31_000;
    feed(e, 1, 'hr', 80);
    e.tick();
    expect(e.activeFor(1).map((a) => a.condition)).toEqual(['signal_lost']);
  });

  it('says device disconnected, once, when the whole monitor goes quiet, and ends its other alarms', () => {
    const e = engine();
    feed(e, 1, 'spo2', 84); // critical low (< 85)
    feed(e, 1, 'hr', 80);
    clock += 16_000;
    e.tick();
    const active = e.activeFor(1);
    expect(active.map((a) => [a.code, a.condition])).toEqual([[DEVICE_CODE, 'device_disconnected']]);
    expect(rows(1).find((a) => a.condition === 'critical_low')?.endedAt).toBe(clock);
    clock += 1000;
    feed(e, 1, 'hr', 80);
    expect(e.activeFor(1)).toEqual([]);
  });

  it('re-judges the latest value when a patient limit changes (a lowered limit alarms at once)', () => {
    const e = engine();
    feed(e, 2, 'hr', 80);
    expect(e.activeFor(2)).toEqual([]);
    alarms.setPatientLimit(
      2,
      'hr',
      { low: 85, high: 120, criticalLow: 40, criticalHigh: 150 },
      'nurse',
      clock,
    );
    limits.patientChanged(2);
    e.reevaluate([2]);
    expect(e.activeFor(2).map((a) => [a.condition, a.limit])).toEqual([['low', 85]]);
    // The other patient of the unit keeps the catalog limits.
    expect(limits.forPatient(1, 'hr')?.low).toBe(50);
    expect(limits.listForPatient(2).find((l) => l.code === 'hr')).toMatchObject({
      source: 'patient',
      updatedBy: 'nurse',
    });
  });

  it('acknowledges with a silence that runs out, and pushes the alarm again when it does', () => {
    const e = engine();
    feed(e, 1, 'spo2', 88);
    const [alarm] = e.activeFor(1);
    const acked = e.acknowledge(alarm!.id, 'demo.clinician', 120_000);
    expect(acked).toMatchObject({ acknowledgedBy: 'demo.clinician', silencedUntil: clock + 120_000 });
    published = [];
    clock += 60_000;
    feed(e, 1, 'spo2', 88);
    e.tick();
    expect(published).toEqual([]);
    clock += 61_000;
    feed(e, 1, 'spo2', 88);
    e.tick();
    expect(published.map((a) => a.id)).toEqual([alarm!.id]);
    e.tick();
    expect(published).toHaveLength(1);
  });

  it('ends alarms a stopped node left open when it starts again', () => {
    const first = engine();
    feed(first, 1, 'spo2', 88);
    expect(alarms.active(1)).toHaveLength(1);
    clock += 5000;
    engine();
    expect(alarms.active(1)).toEqual([]);
  });

  it('reads alarm history through its index', () => {
    const plan = store.db.prepare(`EXPLAIN QUERY PLAN ${ALARM_HISTORY_SQL}`).all(1, 0, 1, 10) as {
      detail: string;
    }[];
    expect(plan.map((p) => p.detail).join(' ')).toMatch(/USING INDEX alarm_events_patient_time/);
  });
});
