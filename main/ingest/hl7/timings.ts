import { monitorEventLoopDelay, performance, type IntervalHistogram } from 'node:perf_hooks';

/** p50/p99/max of the recent samples, in milliseconds. */
export interface Percentiles {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
}

/** Where a message's time in the node goes, over the last few thousand messages. */
export interface IngestTimings {
  readonly samples: number;
  /**
   * Frame complete → parsed and queued (the HL7 read and the catalog mapping; with a decide worker,
   * its way there and back too).
   */
  readonly parseMs: Percentiles;
  /** Queued → its group commit begins (waiting for the event loop's next turn). */
  readonly queueMs: Percentiles;
  /** One group commit (the transaction, encryption included), per commit. */
  readonly commitMs: Percentiles;
  /** Frame complete → ACK handed to the socket: the node's whole share of send → ACK. */
  readonly inNodeMs: Percentiles;
  readonly messagesPerCommit: number;
  /** The event loop's own delay (perf_hooks): high with low CPU means the machine is short of CPU. */
  readonly eventLoopDelayMs: Percentiles;
}

const SIZE = 4096;
/** The histogram samples by a timer of this period and records when it fired: the period is not lag. */
const LOOP_RESOLUTION_MS = 10;

/** A fixed ring of the last samples; percentiles by sorting a copy (read rarely, written often). */
export class SampleWindow {
  private readonly ring = new Float64Array(SIZE);
  private n = 0;

  add(ms: number): void {
    this.ring[this.n % SIZE] = ms;
    this.n++;
  }

  get count(): number {
    return Math.min(this.n, SIZE);
  }

  percentiles(): Percentiles {
    const xs = this.ring.slice(0, this.count).sort();
    const at = (q: number) => round(xs[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? 0);
    return { p50: at(0.5), p99: at(0.99), max: round(xs[xs.length - 1] ?? 0) };
  }
}

const round = (ms: number) => Math.round(ms * 100) / 100;

/** The ingest pipeline's and listener's clocks: performance.now(), so sub-millisecond and monotonic. */
export class IngestClock {
  readonly parse = new SampleWindow();
  readonly queue = new SampleWindow();
  readonly commit = new SampleWindow();
  readonly inNode = new SampleWindow();
  private messages = 0;
  private commits = 0;
  private readonly loop: IntervalHistogram = monitorEventLoopDelay({ resolution: LOOP_RESOLUTION_MS });

  constructor() {
    this.loop.enable();
  }

  readonly now = (): number => performance.now();

  committed(messages: number, ms: number): void {
    this.commit.add(ms);
    this.messages += messages;
    this.commits++;
  }

  /** The figures since the last call for the event loop; the windows for the rest. */
  read(): IngestTimings {
    const ns = (v: number) => round(Math.max(0, v / 1e6 - LOOP_RESOLUTION_MS));
    const loop = this.loop.count > 0 ? this.loop : undefined;
    const timings: IngestTimings = {
      samples: this.inNode.count,
      parseMs: this.parse.percentiles(),
      queueMs: this.queue.percentiles(),
      commitMs: this.commit.percentiles(),
      inNodeMs: this.inNode.percentiles(),
      messagesPerCommit: this.commits === 0 ? 0 : round(this.messages / this.commits),
      eventLoopDelayMs: {
        p50: loop ? ns(loop.percentile(50)) : 0,
        p99: loop ? ns(loop.percentile(99)) : 0,
        max: loop ? ns(loop.max) : 0,
      },
    };
    this.loop.reset();
    this.messages = 0;
    this.commits = 0;
    return timings;
  }

  close(): void {
    this.loop.disable();
  }
}
