import { afterEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../shared/catalog/vital-signs';
import { startListener, type Listener } from '../ingest/hl7/listener';
import { createIngest } from '../ingest/hl7/pipeline';
import { openScratchStore, silentLogger } from '../ingest/hl7/test-support';
import { pcd01Message, simulatedBed } from './pcd01';
import { MllpSender } from './mllp-sender';
import { startSimulator } from './simulator';
import { PatientVitals, seededRandom } from './vitals';

let store: ReturnType<typeof openScratchStore> | undefined;
let listener: Listener | undefined;
afterEach(async () => {
  await listener?.close();
  store?.close();
  listener = undefined;
  store = undefined;
});

describe('simulated monitors', () => {
  it('produce plausible, slowly varying vitals with occasional alarms and dropouts', () => {
    const vitals = new PatientVitals(seededRandom(7));
    const readings = Array.from({ length: 5000 }, () => vitals.next());
    const hr = readings.map((r) => r.hr);
    expect(Math.min(...hr)).toBeGreaterThan(30);
    expect(Math.max(...hr)).toBeLessThan(180);
    const jumps = hr.slice(1).map((v, i) => Math.abs(v - (hr[i] ?? v)));
    expect(Math.max(...jumps)).toBeLessThan(15);
    expect(readings.some((r) => r.episode !== undefined)).toBe(true);
    expect(readings.some((r) => r.spo2Dropout)).toBe(true);
  });

  it('build PCD-01 messages of 8–12 metric OBX that ingest maps onto the catalog', () => {
    const bed = simulatedBed(0, seededRandom(1));
    const text = pcd01Message(bed, new PatientVitals(seededRandom(2)).next(), 'X1', Date.UTC(2024, 0, 1));
    const obx = text.split('\r').filter((s) => s.startsWith('OBX|') && s.split('|')[2] === 'NM');
    expect(obx.length).toBeGreaterThanOrEqual(8);
    expect(obx.length).toBeLessThanOrEqual(12);
    for (const s of obx)
      expect(DEFAULT_CATALOG.lookup(s.split('|')[3]?.split('^')[0] ?? '', 'MDC')).toBeDefined();
  });

  it('stream to the listener and every message is acknowledged AA and stored once', async () => {
    store = openScratchStore();
    const logger = silentLogger();
    listener = await startListener({
      ingest: createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger }),
      logger,
      port: 0,
    });
    const acked: string[] = [];
    const sim = startSimulator({
      port: listener.port,
      beds: 4,
      ratePerBed: 50,
      messagesPerBed: 20,
      logger,
      onAck: (_b, id, code) => code === 'AA' && acked.push(id),
    });
    await sim.done;
    expect(sim.stats()).toMatchObject({ sent: 80, acked: 80, rejected: 0 });
    expect(
      store.db.prepare("SELECT count(*) AS n FROM hl7_messages WHERE outcome = 'accepted'").get(),
    ).toEqual({ n: 80 });
    expect(store.db.prepare('SELECT count(*) AS n FROM patients').get()).toEqual({ n: 4 });
    expect(
      store.db
        .prepare("SELECT count(DISTINCT bp_group) AS n FROM observations WHERE code LIKE 'nibp-%'")
        .get(),
    ).toEqual({ n: 80 });
    await sim.stop();
  });

  it('resend on ACK timeout until the listener answers', async () => {
    store = openScratchStore();
    const logger = silentLogger();
    const ingest = createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger });
    // A listener that is not there yet: the sender keeps trying, then gets through.
    const port = 20000 + Math.floor(Math.random() * 20000);
    const sim = startSimulator({
      port,
      beds: 1,
      ratePerBed: 20,
      messagesPerBed: 3,
      ackTimeoutMs: 300,
      logger,
    });
    await new Promise((r) => setTimeout(r, 700));
    listener = await startListener({ ingest, logger, port });
    await sim.done;
    expect(sim.stats()).toMatchObject({ sent: 3, acked: 3 });
    expect(
      store.db.prepare("SELECT count(*) AS n FROM hl7_messages WHERE outcome = 'accepted'").get(),
    ).toEqual({ n: 3 });
  });

  it('a sender closed while it connects drops that connection and sends nothing', async () => {
    store = openScratchStore();
    const logger = silentLogger();
    const ingest = createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger });
    listener = await startListener({ ingest, logger, port: 0 });
    const sender = new MllpSender('127.0.0.1', listener.port, 10_000);
    const bed = simulatedBed(0, seededRandom(1), 'ICU', 0);
    const sent = sender.send(
      pcd01Message(bed, new PatientVitals(seededRandom(2)).next(), 'C1', Date.now()),
      'C1',
    );
    // The connect is still under way: stopping the demo beds or `simulate` lands here too.
    sender.close();
    await expect(sent).rejects.toThrow(/sender closed/);
    await expect.poll(() => listener!.connections().length).toBe(0);
    expect(store.db.prepare('SELECT count(*) AS n FROM hl7_messages').get()).toEqual({ n: 0 });
  });
});
