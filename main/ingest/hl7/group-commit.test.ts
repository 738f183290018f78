import { describe, expect, it } from 'vitest';
import { GroupCommit } from './group-commit';

/** A queue and a commit whose duration is chosen, on the real clock and real timers. */
function harness(commitMs: number, maxWaitMs = 50) {
  const queue: number[] = [];
  const commits: number[][] = [];
  const spin = (ms: number) => {
    const until = performance.now() + ms;
    while (performance.now() < until) {
      // A commit holds the thread, as a SQLite transaction does.
    }
  };
  const groups = new GroupCommit({
    queued: () => queue.length,
    commit: () => {
      commits.push(queue.splice(0));
      spin(commitMs);
    },
    clock: () => performance.now(),
    maxBatch: 1000,
    maxWaitMs,
  });
  const add = (n: number) => {
    for (let i = 0; i < n; i++) {
      queue.push(i);
      groups.queued();
    }
  };
  return { queue, commits, groups, add };
}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('GroupCommit', () => {
  it('commits on the next turn when commits are quick (a lone monitor waits for nothing)', async () => {
    const h = harness(0);
    h.add(1);
    await new Promise((r) => setImmediate(r));
    await new Promise((r) => setImmediate(r));
    expect(h.commits).toEqual([[0]]);
  });

  it('under load, lets messages that keep arriving join the group instead of a commit each', async () => {
    const h = harness(100);
    // A first, slow commit teaches it that commits cost ~100 ms (budget: min(50, 100 / 2)).
    h.add(1);
    await sleep(110);
    expect(h.commits).toHaveLength(1);
    // Then a burst, and more of it a millisecond apart, as senders answer their ACKs.
    h.add(5);
    for (let k = 0; k < 4; k++) {
      await sleep(1);
      h.add(5);
    }
    await sleep(160);
    expect(h.commits.slice(1).map((c) => c.length)).toEqual([25]);
  });

  it('never waits longer than its budget while messages keep coming', async () => {
    const h = harness(30, 10);
    h.add(1);
    await sleep(40);
    const started = performance.now();
    h.add(1);
    let committedAt = 0;
    while (h.commits.length === 1 && performance.now() - started < 200) {
      h.add(1);
      await sleep(1);
      if (h.commits.length > 1) committedAt = performance.now();
    }
    expect(h.commits.length).toBeGreaterThan(1);
    // Budget: min(10 ms, half the last commit) plus timer slack on a shared machine.
    expect(committedAt - started).toBeLessThan(60);
  });

  it('flush commits at once whatever is waiting', () => {
    const h = harness(0);
    h.add(3);
    h.groups.flush();
    expect(h.commits).toEqual([[0, 1, 2]]);
  });
});
