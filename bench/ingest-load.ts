/**
 * The load side of bench/ingest.ts, in its own process so the sender does not share the node's
 * event loop: N MLLP connections, each keeping `window` PCD-01 ORU^R01 messages in flight and
 * counting the ACKs that come back (every one must be AA). Driven over the IPC channel:
 * receives a LoadRequest, answers a LoadResult.
 */
import { connect, type Socket } from 'node:net';
import { frame, MllpFramer } from '../main/ingest/hl7/mllp';
import { templates, withControlId } from './pcd01-templates';

export interface LoadRequest {
  readonly port: number;
  readonly connections: number;
  /** Messages in flight per connection (1 = a monitor waiting for each ACK). */
  readonly window: number;
  readonly warmupMs: number;
  readonly measureMs: number;
  /** Distinct patients the messages are spread over. */
  readonly beds: number;
  /** Unique per run, so every message is new to the store (no duplicates). */
  readonly tag: string;
}

export interface LoadResult {
  readonly acked: number;
  readonly notAccepted: number;
  readonly seconds: number;
  readonly obxPerMessage: number;
  readonly p50Ms: number;
  readonly p99Ms: number;
}

async function run(req: LoadRequest): Promise<LoadResult> {
  const msgs = templates(req.beds);
  let measuring = false;
  let stopping = false;
  let acked = 0;
  let notAccepted = 0;
  const latencies: number[] = [];
  let seq = 0;

  const drive = (index: number) =>
    new Promise<void>((resolve, reject) => {
      const socket: Socket = connect(req.port, '127.0.0.1');
      socket.setNoDelay(true);
      const sentAt: number[] = [];
      let inFlight = 0;
      // A pipelining gateway writes the messages it has ready together: the ACKs of one read
      // are answered with one write, not a system call per message.
      let corked = false;
      const uncork = () => {
        corked = false;
        socket.uncork();
      };
      const sendOne = () => {
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(uncork);
        }
        const t = msgs[(index + seq) % msgs.length]!;
        const cid = `${req.tag}-${index}-${seq++}`;
        sentAt.push(performance.now());
        inFlight++;
        socket.write(frame(withControlId(t, cid)));
      };
      const framer = new MllpFramer(1 << 20, {
        onFrame(payload) {
          inFlight--;
          const started = sentAt.shift() ?? performance.now();
          // MSA follows MSH; the code is the field after "MSA|".
          const at = payload.indexOf('\rMSA|');
          const ok = at >= 0 && payload[at + 5] === 0x41 /* A */ && payload[at + 6] === 0x41; /* A */
          if (measuring) {
            if (ok) acked++;
            else notAccepted++;
            if (latencies.length < 200_000) latencies.push(performance.now() - started);
          }
          if (!stopping) sendOne();
          else if (inFlight === 0) {
            socket.end();
            resolve();
          }
        },
        onOversized: () => reject(new Error('oversized ACK')),
        onJunk: () => undefined,
      });
      socket.on('data', (d: Buffer) => framer.push(d));
      socket.on('error', reject);
      socket.once('connect', () => {
        for (let i = 0; i < req.window; i++) sendOne();
      });
    });

  const all = Promise.all(Array.from({ length: req.connections }, (_, i) => drive(i)));
  await new Promise((r) => setTimeout(r, req.warmupMs));
  measuring = true;
  const t0 = performance.now();
  await new Promise((r) => setTimeout(r, req.measureMs));
  measuring = false;
  const seconds = (performance.now() - t0) / 1000;
  stopping = true;
  await all;
  latencies.sort((a, b) => a - b);
  const q = (p: number) => Number((latencies[Math.floor(p * (latencies.length - 1))] ?? 0).toFixed(2));
  return { acked, notAccepted, seconds, obxPerMessage: msgs[0]?.obx ?? 0, p50Ms: q(0.5), p99Ms: q(0.99) };
}

process.on('message', (req: LoadRequest) => {
  run(req).then(
    (result) => process.send?.({ ok: true, result }),
    (error: unknown) => process.send?.({ ok: false, error: String(error) }),
  );
});
