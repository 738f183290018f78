import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../../shared/catalog/vital-signs';
import { pcd01Message, simulatedBed } from '../../simulator/pcd01';
import { PatientVitals, seededRandom } from '../../simulator/vitals';
import { createIngest, type Ingest } from './pipeline';
import { msaOf, openScratchStore, silentLogger, watchedDecidePool } from './test-support';

const conn = { id: 1, remote: '127.0.0.1:50000' };
const msa = (ack: Buffer) => msaOf(ack.toString('utf8'));

/** A PCD-01 message from bed `index`'s monitor (one device per bed), its heart rate set. */
function message(index: number, controlId: string, heartRate: number): Buffer {
  const vitals = { ...new PatientVitals(seededRandom(index + 1)).next(), hr: heartRate };
  return Buffer.from(
    pcd01Message(simulatedBed(index, seededRandom(index + 1)), vitals, controlId, Date.now()),
  );
}

let store: ReturnType<typeof openScratchStore>;
let ingest: Ingest;

beforeEach(() => {
  store = openScratchStore();
  ingest = createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger: silentLogger() });
  // A message the store refuses, as a full disk or a bug would: its group's transaction fails.
  store.db.exec(`CREATE TEMP TRIGGER refuse_999 BEFORE INSERT ON observations WHEN NEW.value_num = 999
    BEGIN SELECT RAISE(ABORT, 'refused for the test'); END`);
});

afterEach(() => {
  ingest.close();
  store.close();
});

describe('a group commit that fails', () => {
  it('stores its other messages one by one, with the devices they name, and answers the failing one AR', async () => {
    // One group: a new bed's first message, and a message the store refuses.
    const first = ingest.receive(message(7, 'NEW-1', 80), conn);
    const poison = ingest.receive(message(8, 'POISON-1', 999), conn);
    const [[good], [bad]] = await Promise.all([first, poison]);
    expect(msa(good!).code).toBe('AA');
    expect(msa(bad!)).toEqual({ code: 'AR', text: 'the node could not store the message; resend later' });
    expect(bad!.toString('utf8')).toContain('\rMSA|AR|POISON-1|');
    // The device the rolled-back group had created was created again, not remembered from it:
    // the next message from that monitor, within the same second, is stored against it.
    const [again] = await ingest.receive(message(7, 'NEW-2', 81), conn);
    expect(msa(again!).code).toBe('AA');
    const rows = store.db
      .prepare(
        `SELECT m.control_id, d.identifier FROM observations o JOIN hl7_messages m ON m.id = o.message_id
         JOIN devices d ON d.id = o.device_id WHERE o.code = 'hr' ORDER BY o.id`,
      )
      .all();
    const device = `${simulatedBed(7, seededRandom(8)).eui64}^EUI-64`;
    expect(rows).toEqual([
      { control_id: 'NEW-1', identifier: device },
      { control_id: 'NEW-2', identifier: device },
    ]);
    // Not kept: AR tells its sender to send it again.
    const kept = store.db.prepare("SELECT count(*) AS n FROM hl7_messages WHERE control_id = 'POISON-1'");
    expect(kept.get()).toEqual({ n: 0 });
  });
});

describe('a decide worker that dies while it reads a message', () => {
  it('answers AR naming the message, keeps it in quarantine, and stores its resend once', async () => {
    const { pool: decider, workers, started } = watchedDecidePool(['ADT']);
    const viaWorker = createIngest({
      db: store.db,
      catalog: DEFAULT_CATALOG,
      logger: silentLogger(),
      decider,
    });
    try {
      // With enough others in its batch that the worker is still reading when it goes.
      const held = viaWorker.receive(message(3, 'HELD-1', 72), conn);
      for (let i = 0; i < 500; i++) void viaWorker.receive(message(4, `OTHER-${i}`, 70), conn);
      await new Promise((r) => setImmediate(r));
      await workers[0]!.terminate();
      const [ack] = await held;
      expect(msa(ack!)).toEqual({ code: 'AR', text: 'the node could not read the message; resend later' });
      // MSA-2 names it, so the sender knows which message to send again.
      expect(ack!.toString('utf8')).toContain('\rMSA|AR|HELD-1|');

      await started(2);
      const [again] = await viaWorker.receive(message(3, 'HELD-1', 72), conn);
      expect(msa(again!)).toEqual({ code: 'AA', text: 'stored 9 observations' });
      const kept = store.db
        .prepare(
          `SELECT outcome, ack_code, observation_count FROM hl7_messages WHERE control_id = 'HELD-1' ORDER BY id`,
        )
        .all();
      expect(kept).toEqual([
        { outcome: 'rejected', ack_code: 'AR', observation_count: 0 },
        { outcome: 'accepted', ack_code: 'AA', observation_count: 9 },
      ]);
      const rows = store.db
        .prepare(
          `SELECT count(*) AS n FROM observations o JOIN hl7_messages m ON m.id = o.message_id
           WHERE m.control_id = 'HELD-1'`,
        )
        .get();
      expect(rows).toEqual({ n: 9 });
    } finally {
      viaWorker.close();
      await decider.close();
    }
  });
});

describe('replaying a kept message', () => {
  const adt = Buffer.from(
    'MSH|^~\\&|ADT1|HOSP|VM|F|20260301120000||ADT^A01|ADT-1|P|2.5\rPID|1||MRN1^^^HOSP^MR||DOE^JOHN',
  );
  const rowsOf = (controlId: string) =>
    store.db
      .prepare(
        'SELECT id, outcome, ack_code, replay_of, remote FROM hl7_messages WHERE control_id = ? ORDER BY id',
      )
      .all(controlId);

  it('reads it with the settings of now, as a new row naming the original, which stays as it was', async () => {
    // Received while the node kept no ADT: answered AR and quarantined.
    const strict = createIngest({
      db: store.db,
      catalog: DEFAULT_CATALOG,
      logger: silentLogger(),
      keepTypes: [],
    });
    const [ack] = await strict.receive(adt, conn);
    strict.close();
    expect(msa(ack!).code).toBe('AR');
    const original = store.db
      .prepare("SELECT id, raw FROM hl7_messages WHERE control_id = 'ADT-1'")
      .get() as {
      id: number;
      raw: Buffer;
    };

    // Replayed through the default ingest, which keeps ADT.
    const result = await ingest.replay(original.raw, original.id, 'replay by it1');
    expect(result.messageId).toBeGreaterThan(original.id);
    expect(result).toMatchObject({
      outcome: 'accepted',
      ackCode: 'AA',
      reason: null,
      observationCount: 0,
    });
    expect(rowsOf('ADT-1')).toEqual([
      { id: original.id, outcome: 'rejected', ack_code: 'AR', replay_of: null, remote: conn.remote },
      {
        id: result.messageId,
        outcome: 'accepted',
        ack_code: 'AA',
        replay_of: original.id,
        remote: 'replay by it1',
      },
    ]);

    // Replayed again, it is a message already accepted: answered, not stored twice.
    const again = await ingest.replay(original.raw, original.id, 'replay by it1');
    expect(again).toMatchObject({ outcome: 'duplicate', ackCode: 'AA' });
    expect(rowsOf('ADT-1').map((r) => (r as { outcome: string }).outcome)).toEqual([
      'rejected',
      'accepted',
      'duplicate',
    ]);
  });

  it('says no row was written when the store refuses the replay', async () => {
    await ingest.receive(adt, conn);
    const { id } = store.db.prepare("SELECT id FROM hl7_messages WHERE control_id = 'ADT-1'").get() as {
      id: number;
    };
    // The test's trigger refuses a heart rate of 999, as a full disk would refuse anything.
    const result = await ingest.replay(message(8, 'POISON-2', 999), id, 'replay by it1');
    expect(result).toEqual({
      messageId: null,
      outcome: 'rejected',
      ackCode: 'AR',
      reason: 'the node could not store the message; resend later',
      observationCount: 0,
    });
    expect(rowsOf('POISON-2')).toEqual([]);
  });
});
