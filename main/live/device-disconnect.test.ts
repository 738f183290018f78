import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../shared/catalog/vital-signs';
import { startListener, type ClosedConnection } from '../ingest/hl7/listener';
import { createIngest } from '../ingest/hl7/pipeline';
import { openScratchStore, sendOneMllp, silentLogger } from '../ingest/hl7/test-support';
import type { VitalMeshNode } from '../node';
import { MllpSender } from '../simulator/mllp-sender';
import { pcd01Message, simulatedBed } from '../simulator/pcd01';
import { PatientVitals, seededRandom } from '../simulator/vitals';
import { startTestNode } from '../testing/test-node';

/**
 * "Device disconnected" from the monitor's MLLP connection closing, on a real node over real
 * loopback sockets. The node's signal-lost time is set to 10 minutes, so any alarm seen here came
 * from the close, not from silence.
 */
let node: VitalMeshNode;
let stop: () => Promise<void>;
const random = seededRandom(11);
const bedA = simulatedBed(0, random, 'ICU');
const bedB = simulatedBed(1, random, 'ICU');
const bedC = simulatedBed(2, random, 'ICU');
let seq = 0;

const message = (bed: typeof bedA) => {
  const id = `D${++seq}`;
  return { id, text: pcd01Message(bed, new PatientVitals(seededRandom(seq)).next(), id, Date.now()) };
};
async function send(sender: MllpSender, bed: typeof bedA) {
  const m = message(bed);
  expect((await sender.send(m.text, m.id)).code).toBe('AA');
}
const patientIdOf = (mrn: string) =>
  (
    node.store.db.prepare('SELECT patient_id FROM patient_identifiers WHERE value = ?').get(mrn) as {
      patient_id: number;
    }
  ).patient_id;
const deviceAlarms = (patientId: number) =>
  node.live.engine.activeFor(patientId).filter((a) => a.condition === 'device_disconnected');

beforeAll(async () => {
  ({ node, cleanup: stop } = await startTestNode({ signalLostSeconds: 600 }));
});
afterAll(async () => {
  await stop();
});

describe('device disconnected on connection close', () => {
  it('takes the node-wide signal-lost time from the config', () => {
    expect(node.live.signalLostMs('ICU')).toBe(600_000);
    expect(node.live.signalLostMs(null)).toBe(600_000);
  });

  it('alarms at once for the beds of a closed monitor link, only those, and ends on the next value', async () => {
    const a = new MllpSender('127.0.0.1', node.hl7!.listener.port, 3000);
    const b = new MllpSender('127.0.0.1', node.hl7!.listener.port, 3000);
    try {
      await send(a, bedA);
      await send(a, bedA);
      await send(b, bedB);
      await send(b, bedB);
      const idA = patientIdOf(bedA.mrn);
      const idB = patientIdOf(bedB.mrn);
      expect(deviceAlarms(idA)).toEqual([]);

      const closedAt = Date.now();
      a.close();
      await expect.poll(() => deviceAlarms(idA).length, { timeout: 5000 }).toBe(1);
      expect(Date.now() - closedAt).toBeLessThan(5000);
      expect(deviceAlarms(idA)[0]).toMatchObject({ code: 'device', kind: 'technical', priority: 'low' });
      expect(deviceAlarms(idB)).toEqual([]);
      // Stored as an episode in the patient's alarm history.
      expect(node.live.alarms.history(idA, 0, Date.now() + 1, 10).map((x) => x.condition)).toContain(
        'device_disconnected',
      );

      // The monitor comes back on a new connection: its first value ends the alarm.
      const again = new MllpSender('127.0.0.1', node.hl7!.listener.port, 3000);
      await send(again, bedA);
      expect(deviceAlarms(idA)).toEqual([]);
      const ended = node.live.alarms.history(idA, 0, Date.now() + 1, 10)[0];
      expect(ended).toMatchObject({ condition: 'device_disconnected' });
      expect(ended?.endedAt).not.toBeNull();
      again.close();
    } finally {
      a.close();
      b.close();
    }
  });

  it('leaves a sender that connects once per message alone (silence decides for it)', async () => {
    const first = message(bedC);
    await sendOneMllp(node.hl7!.listener.port, first.text);
    const second = message(bedC);
    await sendOneMllp(node.hl7!.listener.port, second.text);
    const idC = patientIdOf(bedC.mrn);
    // Give the closes time to be heard; nothing may come of them.
    await new Promise((r) => setTimeout(r, 300));
    expect(deviceAlarms(idC)).toEqual([]);
  });
});

describe('listener connection-close event', () => {
  it('reports a peer that closes after its ACKs, but not the sockets the listener closes itself', async () => {
    const store = openScratchStore();
    const logger = silentLogger();
    const closed: ClosedConnection[] = [];
    const ingest = createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger });
    const listener = await startListener({
      ingest,
      logger,
      port: 0,
      onConnectionClosed: (c) => closed.push(c),
    });
    try {
      const m = message(bedA);
      await sendOneMllp(listener.port, m.text);
      await expect.poll(() => closed.length).toBe(1);
      expect(closed[0]).toMatchObject({ messages: 1 });
      // A sender still connected when the node stops is not a device that went away.
      const staying = new MllpSender('127.0.0.1', listener.port, 3000);
      await send(staying, bedB);
      await listener.close();
      staying.close();
      await new Promise((r) => setTimeout(r, 100));
      expect(closed.length).toBe(1);
    } finally {
      await listener.close();
      store.close();
    }
  });
});
