/**
 * Decides when the queued messages are committed. A commit of the encrypted store writes (and
 * encrypts, and later checkpoints) every page the group touched, and with many beds sending
 * interleaved, pages are shared between the messages of one group: measured on 200 beds, a
 * group of 32 PCD-01 messages wrote 4.9 pages per message, a group of 320 wrote 3.0. And with
 * the event loop's turn as the only rule, 100 connections committed ~60 messages per commit
 * (bench/ingest.ts), several commits per round of in-flight messages.
 *
 * So: a group is committed on the event loop's next turn when the node is idle (a lone monitor
 * gets its ACK at once), but under load, while messages keep arriving, it waits for them, up to
 * half the duration of the last commit and never more than `maxWaitMs`: a wait shorter than the
 * commit it saves. The ACK is still sent only after the commit that holds its message.
 */
export interface GroupCommitOptions {
  /** Messages queued now. */
  readonly queued: () => number;
  /** Commits everything queued. */
  readonly commit: () => void;
  /** Milliseconds, monotonic (performance.now()). */
  readonly clock: () => number;
  /** A group of this many is committed without waiting. */
  readonly maxBatch: number;
  /** The longest a message waits for others to join its group. */
  readonly maxWaitMs: number;
}

/** How often a waiting group looks whether more messages arrived (setTimeout's floor). */
const POLL_MS = 1;

/** Polls without a new message after which the group is taken as complete. */
const QUIET_POLLS = 2;
/** Below this budget a wait can't pay for itself: commit on the next turn. */
const MIN_BUDGET_MS = 2;

export class GroupCommit {
  private scheduled = false;
  /** When the first look at this group happened (after the turn that queued its first message). */
  private waitingSince: number | undefined;
  private seen = 0;
  private quiet = 0;
  private lastCommitMs = 0;
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly options: GroupCommitOptions) {}

  /** A message was queued: make sure a commit will follow. */
  queued(): void {
    if (this.scheduled) return;
    this.scheduled = true;
    this.waitingSince = undefined;
    this.seen = this.options.queued();
    this.quiet = 0;
    setImmediate(this.check);
  }

  /** Commits now whatever is queued (shutdown, tests). */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    this.scheduled = false;
    const started = this.options.clock();
    this.options.commit();
    this.lastCommitMs = this.options.clock() - started;
  }

  private readonly check = (): void => {
    this.timer = undefined;
    if (!this.scheduled) return;
    const { queued, clock, maxBatch, maxWaitMs } = this.options;
    const now = clock();
    // Measured from here, not from the first message's arrival: reading a burst of frames (the
    // turn that queued them) is not waiting.
    this.waitingSince ??= now;
    const length = queued();
    this.quiet = length > this.seen ? 0 : this.quiet + 1;
    this.seen = length;
    const budget = Math.min(maxWaitMs, this.lastCommitMs / 2);
    if (
      budget >= MIN_BUDGET_MS &&
      length < maxBatch &&
      this.quiet < QUIET_POLLS &&
      now - this.waitingSince + POLL_MS <= budget
    ) {
      this.timer = setTimeout(this.check, POLL_MS);
      return;
    }
    this.flush();
  };
}
