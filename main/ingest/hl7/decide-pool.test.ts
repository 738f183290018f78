import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { createVitalCatalog } from '../../../shared/catalog/vital-signs';
import { pcd01Message, simulatedBed } from '../../simulator/pcd01';
import { PatientVitals, seededRandom } from '../../simulator/vitals';
import { buildAcks } from './ack';
import { decide, type Decision } from './decide';
import { startDecidePool, unpacked } from './decide-pool';
import { FIXTURES } from './fixtures-path';
import { silentLogger, watchedDecidePool } from './test-support';

/** A local code, so the worker is seen to build its catalog from the node's configuration. */
const LOCAL_CODES = [{ code: 'HRX', system: 'ACME', id: 'hr' }];
const options = { catalog: createVitalCatalog(LOCAL_CODES), keepTypes: ['ADT'] };
const pool = startDecidePool({
  threads: 2,
  localCodes: LOCAL_CODES,
  keepTypes: ['ADT'],
  logger: silentLogger(),
});
afterAll(() => pool.close());

/** What the node does with a decision: the rows it writes and the ACKs it sends. */
function effect(d: Decision) {
  const acks = buildAcks({
    message: d.message,
    code: d.kind === 'reject' ? d.code : 'AA',
    text: d.kind === 'reject' ? d.reason : 'ok',
    issues: d.kind === 'reject' ? d.issues : [],
    receiver: { application: 'VitalMesh', facility: 'Test' },
    now: new Date(Date.UTC(2026, 0, 1)),
    ackControlId: 'ACK1',
  });
  const msh = d.message;
  return {
    kind: d.kind,
    sender: msh ? `${msh.get(msh.msh, 3)}|${msh.get(msh.msh, 4)}` : undefined,
    controlId: msh?.controlId,
    type: msh && `${msh.type}^${msh.trigger}`,
    charset: msh?.charset,
    results: d.kind === 'store' ? d.results : undefined,
    observationCount: d.kind === 'store' ? d.observationCount : undefined,
    reason: d.kind === 'reject' ? d.reason : undefined,
    acks,
  };
}

describe('deciding frames on worker threads', () => {
  it('decides every message of the shared corpus exactly as this thread does', async () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.hl7'));
    expect(files.length).toBeGreaterThan(20);
    const at = Date.UTC(2026, 0, 1, 12);
    // All at once: they travel in one batch, and each answer must still be its own frame's.
    const pooled = await Promise.all(files.map((f) => pool.decide(readFileSync(join(FIXTURES, f)), at)));
    files.forEach((f, i) => {
      const inline = decide(readFileSync(join(FIXTURES, f)), options, at);
      expect(effect(pooled[i] as Decision), f).toEqual(effect(inline));
    });
    expect(pool.pending).toBe(0);
  });

  it('maps a local code from the configuration in the worker', async () => {
    const text = pcd01Message(
      simulatedBed(0, seededRandom(3), 'ICU', 0),
      new PatientVitals(seededRandom(3)).next(),
      'LOCAL1',
      Date.UTC(2026, 0, 1),
    ).replace('147842^MDC_ECG_HEART_RATE^MDC', 'HRX^heart rate^ACME');
    const d = await pool.decide(Buffer.from(text), Date.now());
    expect(d.kind).toBe('store');
    const codes = d.kind === 'store' ? d.results[0]?.observations.map((o) => o.code) : [];
    expect(codes).toContain('hr');
  });

  it('answers many frames from many turns, each with its own decision', async () => {
    const random = seededRandom(5);
    const frames = Array.from({ length: 300 }, (_, i) =>
      Buffer.from(
        pcd01Message(
          simulatedBed(i % 20, random, 'ICU', i % 20),
          new PatientVitals(random).next(),
          `C${i}`,
          Date.now(),
        ),
      ),
    );
    const decided: Promise<Decision>[] = [];
    for (let i = 0; i < frames.length; i++) {
      decided.push(pool.decide(frames[i] as Buffer, Date.now()));
      if (i % 37 === 0) await new Promise((r) => setImmediate(r));
    }
    // Shutdown waits on this: it settles only once every frame handed in has its decision.
    let answered = 0;
    for (const d of decided) void d.then(() => answered++);
    await pool.settled();
    await new Promise((r) => setImmediate(r));
    expect(answered).toBe(frames.length);
    const all = await Promise.all(decided);
    expect(all.map((d) => d.message?.controlId)).toEqual(frames.map((_, i) => `C${i}`));
  });

  it('refuses to start with local codes the catalog rejects, naming the code', () => {
    expect(() =>
      startDecidePool({
        threads: 1,
        localCodes: [{ code: 'X', system: 'ACME', id: 'brand-new' }],
        keepTypes: [],
        logger: silentLogger(),
      }),
    ).toThrow(/ACME\|X.*needs display and ucum/);
  });

  it("starts a packaged desktop app's worker from outside its archive", () => {
    expect(unpacked('/opt/VitalMesh/resources/app.asar/dist/desktop')).toBe(
      '/opt/VitalMesh/resources/app.asar.unpacked/dist/desktop',
    );
    expect(unpacked('C:\\VitalMesh\\resources\\app.asar\\dist\\desktop')).toBe(
      'C:\\VitalMesh\\resources\\app.asar.unpacked\\dist\\desktop',
    );
    // A checkout or an npm install runs its bundle where it is.
    expect(unpacked('/srv/vitalmesh/dist')).toBe('/srv/vitalmesh/dist');
  });

  it('refuses frames once closed, so nothing is left waiting', async () => {
    const closing = startDecidePool({ threads: 1, localCodes: [], keepTypes: [], logger: silentLogger() });
    await closing.close();
    await expect(closing.decide(Buffer.from('MSH|^~\\&|'), Date.now())).rejects.toThrow(/stopping/);
  });
});

/** A PCD-01 message from bed `i`'s monitor, with control id `C<i>`. */
const monitorFrame = (i: number) =>
  Buffer.from(
    pcd01Message(
      simulatedBed(i % 20, seededRandom(i), 'ICU', i % 20),
      new PatientVitals(seededRandom(i)).next(),
      `C${i}`,
      Date.now(),
    ),
  );

describe('a decide worker that dies', () => {
  it('fails the frames it held, refuses frames until another has started, then decides on it', async () => {
    const { pool: dying, workers, started } = watchedDecidePool([]);
    try {
      // More frames than the worker reads before it is ended: it holds them all when it goes.
      const held = Array.from({ length: 2000 }, (_, i) => dying.decide(monitorFrame(i), Date.now()));
      await new Promise((r) => setImmediate(r));
      expect(dying.pending).toBe(2000);
      const gone = dying.settled();
      await workers[0]!.terminate();
      await gone;
      const settled = await Promise.allSettled(held);
      expect(settled.filter((s) => s.status === 'fulfilled')).toEqual([]);
      expect(String((settled[0] as PromiseRejectedResult).reason)).toMatch(/decide worker exited/);
      expect(dying.pending).toBe(0);

      // It died within a second of its start, so the next one starts after a pause; meanwhile
      // frames are refused at once rather than left waiting.
      expect(workers).toHaveLength(1);
      await expect(dying.decide(monitorFrame(1), Date.now())).rejects.toThrow(/restarting/);
      expect(dying.workers()).toMatchObject({ threads: 1, running: 0, restarts: 1 });
      expect(dying.workers().lastExitAt).toBeGreaterThan(Date.now() - 5000);

      await started(2);
      expect(dying.workers()).toMatchObject({ threads: 1, running: 1, restarts: 1 });
      const d = await dying.decide(monitorFrame(7), Date.now());
      expect(d.kind).toBe('store');
      expect(d.message?.controlId).toBe('C7');
    } finally {
      await dying.close();
    }
  });
});
