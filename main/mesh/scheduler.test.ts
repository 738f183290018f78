import { describe, expect, it } from 'vitest';
import { createLogger } from '../log/logger';
import type { MeshPuller, PullResult, Subscription } from './puller';
import { MeshScheduler } from './scheduler';

const sub = (over: Partial<Subscription>): Subscription => ({
  peerFacilityId: 'p',
  productId: 'vitals-raw',
  cursor: '',
  batchesReceived: 0,
  rowsReceived: 0,
  createdAt: 0,
  lastPullAt: null,
  lastSuccessAt: null,
  lastBatchAt: null,
  lastError: null,
  failures: 0,
  columns: [],
  ...over,
});

/** The scheduler's timing: due after the interval, doubling per failure, capped at 30 minutes. */
describe('mesh pull scheduler', () => {
  const logger = createLogger({ level: 'silent' });

  it('backs off exponentially after failures, at most 30 minutes', () => {
    const s = new MeshScheduler({} as MeshPuller, logger, 60_000);
    expect(s.dueAt(null, 0)).toBe(0);
    expect(s.dueAt(1000, 0)).toBe(61_000);
    expect(s.dueAt(1000, 1)).toBe(61_000);
    expect(s.dueAt(1000, 2)).toBe(121_000);
    expect(s.dueAt(1000, 3)).toBe(241_000);
    expect(s.dueAt(1000, 20)).toBe(1000 + 30 * 60_000);
  });

  it('pulls exactly the subscriptions that are due', () => {
    const pulled: string[] = [];
    const puller = {
      subscriptions: () => [
        sub({ productId: 'never-pulled' }),
        sub({ productId: 'fresh', lastPullAt: 100_000 }),
        sub({ productId: 'due', lastPullAt: 10_000 }),
        sub({ productId: 'failing', lastPullAt: 50_000, failures: 3 }),
      ],
      pull: (_p: string, productId: string): Promise<PullResult> => {
        pulled.push(productId);
        return Promise.resolve({ ok: true, batches: 0, rows: 0, cursor: '' });
      },
    } as unknown as MeshPuller;
    const s = new MeshScheduler(puller, logger, 60_000);
    s.tick(120_000);
    expect(pulled).toEqual(['never-pulled', 'due']);
  });
});
