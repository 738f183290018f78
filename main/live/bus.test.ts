import { describe, expect, it } from 'vitest';
import { createLiveBus, type LiveBatch, type LiveObservation } from './bus';

const obs = (patientId: number, code: string, value: number, at = Date.now()): LiveObservation => ({
  patientId,
  code,
  value,
  unit: '/min',
  observedAt: at,
  receivedAt: at,
});

const units: Record<number, string> = { 1: 'ICU', 2: 'ICU', 3: 'Ward 3' };
const locate = (id: number) => units[id] ?? null;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('live bus', () => {
  it('routes by unit and by patient, latest value per patient and code', async () => {
    const bus = createLiveBus({ locate });
    const icu: LiveBatch[] = [];
    const p3: LiveBatch[] = [];
    bus.subscribe({ unit: 'ICU' }, (b) => void icu.push(b));
    bus.subscribe({ patientId: 3 }, (b) => void p3.push(b));
    bus.publish([obs(1, 'hr', 70), obs(1, 'hr', 71), obs(2, 'spo2', 97), obs(3, 'hr', 88)]);
    await sleep(30);
    expect(icu).toHaveLength(1);
    expect(icu[0]!.values.map((v) => [v.patientId, v.code, v.value])).toEqual([
      [1, 'hr', 71],
      [2, 'spo2', 97],
    ]);
    expect(icu[0]!.newPatients).toEqual([1, 2]);
    expect(p3[0]!.values.map((v) => v.value)).toEqual([88]);
    expect(bus.latest(1).map((v) => v.value)).toEqual([71]);
    bus.close();
  });

  it('delivers at most 10 batches a second however fast values come', async () => {
    const bus = createLiveBus({ locate });
    const batches: LiveBatch[] = [];
    bus.subscribe({ unit: 'ICU' }, (b) => void batches.push(b));
    const started = Date.now();
    let v = 0;
    while (Date.now() - started < 1000) {
      bus.publish([obs(1, 'hr', v++)]);
      await sleep(2);
    }
    await sleep(150);
    // One period of slack for the timer landing at the window's edges.
    expect(batches.length).toBeGreaterThanOrEqual(8);
    expect(batches.length).toBeLessThanOrEqual(12);
    // The last batch carries the last value: nothing is lost at the end, only superseded.
    expect(batches.at(-1)!.values[0]!.value).toBe(v - 1);
    bus.close();
  });

  it('coalesces for a slow subscriber: bounded pending, latest values, no backlog', async () => {
    const bus = createLiveBus({ locate });
    const received: LiveBatch[] = [];
    let release: () => void = () => {};
    // The subscriber takes its time with the first batch (a socket that doesn't drain).
    const sub = bus.subscribe({ unit: 'ICU' }, (b) => {
      received.push(b);
      return new Promise<void>((r) => (release = r));
    });
    bus.publish([obs(1, 'hr', 1)]);
    await sleep(20);
    expect(received).toHaveLength(1);
    const before = process.memoryUsage().heapUsed;
    for (let i = 0; i < 100_000; i++) {
      bus.publish([obs(1, 'hr', i), obs(2, 'spo2', i % 100), obs(1, 'rr', i % 40)]);
    }
    // 300,000 values published while busy, but only one entry per patient and code is held.
    expect(sub.pendingSize()).toBe(3);
    expect(process.memoryUsage().heapUsed - before).toBeLessThan(50 * 1024 * 1024);
    await sleep(150);
    expect(received).toHaveLength(1); // still busy: nothing more was delivered
    release();
    await sleep(150);
    expect(received).toHaveLength(2);
    expect(received[1]!.values.map((v) => [v.code, v.value])).toEqual([
      ['hr', 99_999],
      ['spo2', 99],
      ['rr', 99_999 % 40],
    ]);
    sub.close();
    bus.close();
  });

  it('never lets an older value replace a newer one', async () => {
    const bus = createLiveBus({ locate });
    const got: LiveBatch[] = [];
    bus.subscribe({ patientId: 1 }, (b) => void got.push(b));
    bus.publish([obs(1, 'hr', 80, 2000), obs(1, 'hr', 60, 1000)]);
    await sleep(20);
    expect(got[0]!.values[0]!.value).toBe(80);
    bus.close();
  });

  it('leaves nothing behind when subscribers go: no timers, no index entries', async () => {
    const bus = createLiveBus({ locate });
    const resourcesBefore = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    const subs = Array.from({ length: 500 }, (_, i) =>
      bus.subscribe(i % 2 ? { unit: 'ICU' } : { patientId: i }, () => {}),
    );
    bus.publish([obs(1, 'hr', 70), obs(2, 'hr', 71)]);
    expect(bus.subscriberCount()).toBe(500);
    // Disconnect with deliveries pending: the timers must go with them.
    for (const s of subs) s.close();
    for (const s of subs) s.close(); // twice is harmless
    expect(bus.subscriberCount()).toBe(0);
    const resourcesAfter = process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;
    expect(resourcesAfter).toBeLessThanOrEqual(resourcesBefore);
    // Publishing afterwards reaches nobody and schedules nothing.
    bus.publish([obs(1, 'hr', 72)]);
    expect(process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length).toBe(resourcesAfter);
    bus.close();
  });

  it('tells a unit subscriber about a bed that fills after it subscribed', async () => {
    const bus = createLiveBus({ locate });
    bus.publish([obs(1, 'hr', 70)]);
    const got: LiveBatch[] = [];
    bus.subscribe({ unit: 'ICU' }, (b) => void got.push(b));
    bus.publish([obs(1, 'hr', 71), obs(2, 'hr', 72)]);
    await sleep(20);
    expect(got[0]!.newPatients).toEqual([2]);
    bus.close();
  });
});
