import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { MethodInput, MethodName, MethodOutput } from '../../shared/api/contract';
import type { VitalsEvent } from '../../shared/api/vitals';
import { hashPassword } from '../auth/password';
import { startConsole, type ConsoleServer } from '../console/server';
import { createLogger } from '../log/logger';
import type { VitalMeshNode } from '../node';
import { MllpSender } from '../simulator/mllp-sender';
import { pcd01Message, simulatedBed } from '../simulator/pcd01';
import { PatientVitals, seededRandom } from '../simulator/vitals';
import { startTestNode } from '../testing/test-node';
import { tempDir } from '../testing/temp-dir';

/**
 * The live path end to end on a real node: ORU^R01 over real MLLP → commit → bus and alarm engine
 * → the vitals API (dispatcher: permission, patient rules, audit) → a real WebSocket.
 */
let node: VitalMeshNode;
let stop: () => Promise<void>;
let consoleServer: ConsoleServer;
let cleanupRenderer: () => void;
let token: string;
const senders: MllpSender[] = [];
const random = seededRandom(7);
const icuBed = simulatedBed(0, random, 'ICU');
const wardBed = simulatedBed(1, random, 'Ward 3');
let seq = 0;

async function send(bed: typeof icuBed, hr = 80, spo2 = 97) {
  const sender = new MllpSender('127.0.0.1', node.hl7!.listener.port, 3000);
  senders.push(sender);
  const reading = { ...new PatientVitals(seededRandom(1)).next(), hr, spo2 };
  const id = `T${++seq}`;
  const ack = await sender.send(pcd01Message(bed, reading, id, Date.now()), id);
  expect(ack.code).toBe('AA');
}

const origin = () => ({ host: 'console' as const, token });
/** A call that must succeed, typed by the contract. */
async function call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M>> {
  const result = await node.api.call(origin(), method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.message}`);
  return result.value as MethodOutput<M>;
}
const patientIdOf = (mrn: string) =>
  (
    node.store.db.prepare('SELECT patient_id FROM patient_identifiers WHERE value = ?').get(mrn) as {
      patient_id: number;
    }
  ).patient_id;
const auditRows = (action: string) =>
  node.access.audit.chain.db
    .prepare('SELECT outcome, patient_id, details FROM audit_log WHERE action = ? ORDER BY seq')
    .all(action) as { outcome: string; patient_id: number | null; details: string | null }[];

beforeAll(async () => {
  ({ node, cleanup: stop } = await startTestNode());
  const user = node.access.users.add({
    username: 'nurse.icu',
    displayName: 'Nurse ICU',
    role: 'clinician',
    units: ['ICU'],
    passwordHash: await hashPassword('live-test-password'),
  });
  token = node.access.sessions.create(user.id, 'console').token;
  const renderer = tempDir();
  cleanupRenderer = renderer.cleanup;
  mkdirSync(join(renderer.dir, 'assets'));
  writeFileSync(join(renderer.dir, 'index.html'), '<!doctype html><title>VitalMesh</title>');
  consoleServer = await startConsole({
    api: node.api,
    logger: createLogger({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    rendererDir: renderer.dir,
    liveness: () => ({ status: 'ok', version: 'test' }),
  });
  await send(icuBed);
  await send(wardBed);
});

afterAll(async () => {
  for (const s of senders) s.close();
  await consoleServer.close();
  await stop();
  cleanupRenderer();
});

describe('live vitals API', () => {
  it('streams a unit: snapshot of its beds, then batched updates; alarms when a limit is crossed', async () => {
    const events: VitalsEvent[] = [];
    const sub = await node.api.subscribe(origin(), 'vitals.unit', { unit: 'ICU' }, (e) =>
      events.push(e as VitalsEvent),
    );
    expect(sub.ok).toBe(true);
    const icuId = patientIdOf(icuBed.mrn);
    expect(events[0]).toMatchObject({ snapshot: true, beds: [{ patientId: icuId, unit: 'ICU' }] });
    expect(events[0]!.beds[0]!.displayName).toBe(`${icuBed.family.toUpperCase()}, ${icuBed.given}`);
    expect(events[0]!.values.find((v) => v.code === 'hr')?.value).toBe(80);

    // The clinician lowers this patient's HR alarm to 85: the current 80 is now low, at once.
    const set = await node.api.call(origin(), 'alarms.setPatientLimit', {
      patientId: icuId,
      code: 'hr',
      limits: { low: 85, high: 120, criticalLow: 40, criticalHigh: 150 },
    });
    expect(set).toMatchObject({ ok: true, value: { source: 'patient', low: 85 } });
    await expect.poll(() => events.flatMap((e) => e.alarms).map((a) => a.condition)).toContain('low');
    const alarm = events.flatMap((e) => e.alarms).find((a) => a.condition === 'low')!;
    expect(alarm).toMatchObject({ patientId: icuId, code: 'hr', value: 80, limit: 85, priority: 'medium' });

    await send(icuBed, 90);
    await expect.poll(() => events.flatMap((e) => e.values).some((v) => v.value === 90)).toBe(true);
    // Back above 85 + hysteresis (2): the alarm ended.
    await expect.poll(() => events.flatMap((e) => e.alarms).some((a) => a.endedAt !== null)).toBe(true);
    expect(events.every((e) => e.values.every((v) => v.patientId === icuId))).toBe(true);

    const history = await call('alarms.history', { patientId: icuId });
    expect(history.alarms.map((a) => a.condition)).toEqual(['low']);
    if (sub.ok) sub.value.close();
    expect(auditRows('alarms.setPatientLimit').at(-1)).toMatchObject({ outcome: 'ok', patient_id: icuId });
  });

  it('acknowledges an alarm with a silence, audited', async () => {
    const icuId = patientIdOf(icuBed.mrn);
    await send(icuBed, 130); // > 120
    const active = node.live.engine.activeFor(icuId);
    expect(active.map((a) => a.condition)).toEqual(['high']);
    const ack = await node.api.call(origin(), 'alarms.acknowledge', {
      alarmId: active[0]!.id,
      silenceMinutes: 2,
    });
    expect(ack).toMatchObject({ ok: true, value: { alarm: { acknowledgedBy: 'nurse.icu' } } });
    expect(auditRows('alarms.acknowledge').at(-1)).toMatchObject({ outcome: 'ok', patient_id: icuId });
    await send(icuBed, 80);
  });

  it('denies a patient outside the clinician’s units, audited; break-glass opens it, one entry per subscription', async () => {
    const wardId = patientIdOf(wardBed.mrn);
    const denied = await node.api.subscribe(origin(), 'vitals.patient', { patientId: wardId }, () => {});
    expect(denied).toMatchObject({ ok: false, error: { code: 'forbidden' } });
    expect(auditRows('vitals.patient.subscribe').at(-1)).toMatchObject({
      outcome: 'forbidden',
      patient_id: wardId,
    });
    const deniedUnit = await node.api.subscribe(origin(), 'vitals.unit', { unit: 'Ward 3' }, () => {});
    expect(deniedUnit).toMatchObject({ ok: false, error: { code: 'forbidden' } });

    const before = auditRows('vitals.patient.subscribe').length;
    const events: VitalsEvent[] = [];
    const sub = await node.api.subscribe(
      origin(),
      'vitals.patient',
      { patientId: wardId, breakGlassReason: 'covering Ward 3 during a rapid response' },
      (e) => events.push(e as VitalsEvent),
    );
    expect(sub.ok).toBe(true);
    for (const hr of [81, 82, 83]) await send(wardBed, hr);
    await expect.poll(() => events.flatMap((e) => e.values).some((v) => v.value === 83)).toBe(true);
    expect(auditRows('vitals.patient.subscribe').length).toBe(before + 1);
    if (sub.ok) sub.value.close();
  });

  it('forgets a WebSocket subscriber that disconnects (no leak)', async () => {
    const baseline = node.live.bus.subscriberCount();
    const ws = new WebSocket(`${consoleServer.url.replace('http', 'ws')}/api/events`, {
      headers: { authorization: `Bearer ${token}` },
    });
    const messages: { op: string; data?: VitalsEvent }[] = [];
    ws.on('message', (d) => messages.push(JSON.parse((d as Buffer).toString('utf8')) as { op: string }));
    await new Promise((r) => ws.once('open', r));
    ws.send(JSON.stringify({ op: 'subscribe', id: 'u1', stream: 'vitals.unit', params: { unit: 'ICU' } }));
    await expect.poll(() => messages.some((m) => m.op === 'subscribed')).toBe(true);
    expect(node.live.bus.subscriberCount()).toBe(baseline + 1);
    await send(icuBed, 77);
    await expect.poll(() => messages.some((m) => m.data?.values.some((v) => v.value === 77))).toBe(true);
    ws.terminate();
    await expect.poll(() => node.live.bus.subscriberCount()).toBe(baseline);
  });

  it('serves trends from the store in time buckets', async () => {
    const icuId = patientIdOf(icuBed.mrn);
    const now = Date.now();
    const trend = await call('vitals.trend', {
      patientId: icuId,
      from: now - 15 * 60_000,
      to: now + 60_000,
      buckets: 100,
    });
    const hr = trend.series.find((s) => s.code === 'hr');
    expect(hr?.max.length).toBeGreaterThan(0);
    expect(Math.max(...(hr?.max ?? []))).toBe(130);
  });

  it('lists units, assigned first', async () => {
    const units = await call('units.list', {});
    expect(units.units.map((u) => [u.unit, u.assigned, u.beds])).toEqual([
      ['ICU', true, 1],
      ['Ward 3', false, 1],
    ]);
  });
});
