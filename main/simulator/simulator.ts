import type { Logger } from '../log/logger';
import { MllpSender } from './mllp-sender';
import { pcd01Message, simulatedBed, type BedIdentity } from './pcd01';
import { PatientVitals, seededRandom } from './vitals';

export interface SimulatorOptions {
  readonly host?: string;
  readonly port: number;
  readonly beds: number;
  /** Messages per second per bed (a monitor sends about one a second). */
  readonly ratePerBed?: number;
  readonly ackTimeoutMs?: number;
  readonly seed?: number;
  /** Units the beds are spread over, in equal blocks (default one unit, ICU). */
  readonly units?: readonly string[];
  /**
   * Part of every MSH-10, so a simulator started again (a node restarted with the demo on) sends
   * new messages rather than resends the node rightly drops as duplicates. Default: start time.
   */
  readonly runId?: string;
  readonly logger: Logger;
  /** Called for every ACK received (tests and the crash test record the AA'd control ids). */
  readonly onAck?: (bed: number, controlId: string, code: string) => void;
  /**
   * Number of the first bed (default 0): identities (EUI-64, MRN) follow the bed number, so a
   * simulator started beside the demo's beds 0–7 with firstBed 8 adds new monitors, not twins.
   */
  readonly firstBed?: number;
  /** Stop after this many messages per bed (default: run until stopped). */
  readonly messagesPerBed?: number;
}

export interface SimulatorStats {
  sent: number;
  acked: number;
  rejected: number;
  resends: number;
}

export interface Simulator {
  readonly beds: readonly BedIdentity[];
  stats(): SimulatorStats;
  /** Resolves when every bed has sent its messagesPerBed (or after stop()). */
  readonly done: Promise<void>;
  stop(): Promise<void>;
}

/**
 * Simulated bedside monitors: each bed its own MLLP connection, sending PCD-01 ORU^R01 at its
 * rate with one message in flight, waiting for the ACK and resending on timeout.
 */
export function startSimulator(options: SimulatorOptions): Simulator {
  const host = options.host ?? '127.0.0.1';
  const rate = options.ratePerBed ?? 1;
  const intervalMs = 1000 / rate;
  const seed = options.seed ?? 1;
  const random = seededRandom(seed);
  const units = options.units && options.units.length > 0 ? options.units : ['ICU'];
  const perUnit = Math.ceil(options.beds / units.length);
  const beds = Array.from({ length: options.beds }, (_, i) =>
    simulatedBed((options.firstBed ?? 0) + i, random, units[Math.floor(i / perUnit)], i % perUnit),
  );
  const runId = options.runId ?? Date.now().toString(36);
  const stats: SimulatorStats = { sent: 0, acked: 0, rejected: 0, resends: 0 };
  const senders: MllpSender[] = [];
  let stopped = false;
  const wake = new Set<() => void>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const done = () => {
        clearTimeout(timer);
        wake.delete(done);
        resolve();
      };
      const timer = setTimeout(done, ms);
      wake.add(done);
    });
  const log = options.logger.child({ module: 'simulator' });
  const run = async (index: number, bed: BedIdentity) => {
    const sender = new MllpSender(host, options.port, options.ackTimeoutMs ?? 3000);
    senders.push(sender);
    const vitals = new PatientVitals(seededRandom(seed * 1000 + index));
    // Stagger the beds so they don't all send in the same millisecond.
    await sleep(random() * intervalMs);
    for (let n = 0; !stopped && (options.messagesPerBed === undefined || n < options.messagesPerBed); n++) {
      const started = Date.now();
      const controlId = `${bed.eui64.slice(-6)}-${runId}-${n}`;
      const text = pcd01Message(bed, vitals.next(), controlId, started);
      stats.sent++;
      try {
        const before = sender.resends;
        const ack = await sender.send(text, controlId);
        stats.resends += sender.resends - before;
        if (ack.code === 'AA') stats.acked++;
        else {
          stats.rejected++;
          log.warn({ bed: index, code: ack.code }, 'simulated message not accepted');
        }
        options.onAck?.(index, controlId, ack.code);
      } catch {
        break;
      }
      const wait = intervalMs - (Date.now() - started);
      if (wait > 0) await sleep(wait);
    }
    // Done (its message count, or stopped): a monitor switched off drops its connection.
    sender.close();
  };
  log.info({ beds: options.beds, ratePerBed: rate, port: options.port }, 'simulator started');
  const done = Promise.all(beds.map((bed, i) => run(i, bed))).then(() => undefined);
  return {
    beds,
    stats: () => ({ ...stats }),
    done,
    async stop() {
      stopped = true;
      for (const s of senders) s.close();
      for (const w of [...wake]) w();
      await done;
    },
  };
}
