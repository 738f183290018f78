import type { Logger } from '../log/logger';
import type { MeshPuller, PullResult } from './puller';

const MAX_BACKOFF_MS = 30 * 60_000;

/**
 * Pulls every subscription periodically and on demand. A subscription that failed waits
 * interval × 2^(failures−1), at most 30 minutes, so a peer that is down isn't hammered.
 */
export class MeshScheduler {
  private timer: NodeJS.Timeout | undefined;
  private readonly inFlight = new Set<Promise<unknown>>();
  private stopped = false;

  constructor(
    private readonly puller: MeshPuller,
    private readonly logger: Logger,
    private readonly intervalMs: number,
  ) {}

  start(): void {
    if (this.intervalMs <= 0) return;
    // Check often, pull when due: the interval and each backoff are per subscription.
    this.timer = setInterval(() => this.tick(), Math.min(this.intervalMs, 5000));
    this.timer.unref();
  }

  /** When a subscription is next due, given its last pull and its failures. */
  dueAt(lastPullAt: number | null, failures: number): number {
    if (lastPullAt === null) return 0;
    const wait =
      failures === 0 ? this.intervalMs : Math.min(this.intervalMs * 2 ** (failures - 1), MAX_BACKOFF_MS);
    return lastPullAt + wait;
  }

  tick(now = Date.now()): void {
    if (this.stopped) return;
    for (const s of this.puller.subscriptions()) {
      if (this.dueAt(s.lastPullAt, s.failures) > now) continue;
      void this.track(this.puller.pull(s.peerFacilityId, s.productId)).catch(() => undefined);
    }
  }

  /** On demand (the screen's "Pull now"): runs at once, whatever the backoff. */
  pullNow(peerFacilityId: string, productId: string): Promise<PullResult> {
    return this.track(this.puller.pull(peerFacilityId, productId));
  }

  private track(p: Promise<PullResult>): Promise<PullResult> {
    const t = p.then(
      (r) => {
        if (!r.ok) this.logger.warn({ error: r.error }, 'mesh pull stopped');
        return r;
      },
      (error: unknown) => {
        this.logger.error({ err: error }, 'mesh pull crashed');
        throw error;
      },
    );
    this.inFlight.add(t);
    void t.catch(() => undefined).finally(() => this.inFlight.delete(t));
    return t;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
  }

  async idle(): Promise<void> {
    await Promise.allSettled([...this.inFlight]);
  }
}
