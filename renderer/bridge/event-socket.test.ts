import { describe, expect, it } from 'vitest';
import { createEventSocket, type SocketHandle, type SocketHandlers, type Timers } from './event-socket';

/** A WebSocket-like connection the test drives by hand: open it, push messages, drop it. */
class FakeSocket implements SocketHandle {
  readonly sent: unknown[] = [];
  closed = false;
  constructor(private readonly handlers: SocketHandlers) {}
  send(data: string) {
    this.sent.push(JSON.parse(data));
  }
  close() {
    this.closed = true;
  }
  open() {
    this.handlers.onOpen();
  }
  receive(message: unknown) {
    this.handlers.onMessage(typeof message === 'string' ? message : JSON.stringify(message));
  }
  drop() {
    this.handlers.onClose();
  }
}

/** Timers that only fire when the test says so. */
class ManualTimers implements Timers {
  private next = 1;
  readonly pending = new Map<number, { fn: () => void; ms: number }>();
  setTimeout(fn: () => void, ms: number) {
    const id = this.next++;
    this.pending.set(id, { fn, ms });
    return id;
  }
  clearTimeout(handle: unknown) {
    this.pending.delete(handle as number);
  }
  delays() {
    return [...this.pending.values()].map((t) => t.ms);
  }
  fireAll() {
    const due = [...this.pending.entries()];
    this.pending.clear();
    for (const [, timer] of due) timer.fn();
  }
}

function setup(options: { random?: () => number } = {}) {
  const sockets: FakeSocket[] = [];
  const timers = new ManualTimers();
  const events = createEventSocket({
    connect: (handlers) => {
      const socket = new FakeSocket(handlers);
      sockets.push(socket);
      return socket;
    },
    timers,
    initialDelayMs: 400,
    maxDelayMs: 3000,
    idleCloseMs: 1000,
    random: options.random ?? (() => 0.5),
  });
  const last = () => {
    const socket = sockets.at(-1);
    if (!socket) throw new Error('no socket was opened');
    return socket;
  };
  return { sockets, timers, events, last };
}

const collect = () => {
  const events: unknown[] = [];
  const errors: { code: string; message: string }[] = [];
  return {
    events,
    errors,
    onEvent: (e: unknown) => events.push(e),
    onError: (e: (typeof errors)[number]) => errors.push(e),
  };
};

describe('event socket', () => {
  it('connects on the first subscription and subscribes once the socket is open', () => {
    const { sockets, events, last } = setup();
    expect(sockets).toHaveLength(0);
    const a = collect();
    events.subscribe('node.heartbeat', { intervalMs: 5000 }, a.onEvent, a.onError);
    expect(sockets).toHaveLength(1);
    expect(last().sent).toEqual([]);
    last().open();
    expect(last().sent).toEqual([
      { op: 'subscribe', id: 's1', stream: 'node.heartbeat', params: { intervalMs: 5000 } },
    ]);
  });

  it('shares one socket and routes events by subscription id', () => {
    const { sockets, events, last } = setup();
    const a = collect();
    const b = collect();
    events.subscribe('node.heartbeat', {}, a.onEvent, a.onError);
    last().open();
    events.subscribe('vitals.live', { unit: 'icu' }, b.onEvent, b.onError);
    expect(sockets).toHaveLength(1);
    expect(last().sent).toEqual([
      { op: 'subscribe', id: 's1', stream: 'node.heartbeat', params: {} },
      { op: 'subscribe', id: 's2', stream: 'vitals.live', params: { unit: 'icu' } },
    ]);
    last().receive({ op: 'subscribed', id: 's1' });
    last().receive({ op: 'event', id: 's2', data: { bed: 3 } });
    last().receive({ op: 'event', id: 's1', data: { status: 'ok' } });
    last().receive({ op: 'event', id: 's9', data: 'nobody' });
    expect(a.events).toEqual([{ status: 'ok' }]);
    expect(b.events).toEqual([{ bed: 3 }]);
    expect([...a.errors, ...b.errors]).toEqual([]);
  });

  it('unsubscribes on the socket and drops later events; the ack is not an error', () => {
    const { events, last } = setup();
    const a = collect();
    const stop = events.subscribe('node.heartbeat', {}, a.onEvent, a.onError);
    last().open();
    stop();
    stop();
    expect(last().sent.at(-1)).toEqual({ op: 'unsubscribe', id: 's1' });
    expect(last().sent.filter((m) => (m as { op: string }).op === 'unsubscribe')).toHaveLength(1);
    last().receive({ op: 'event', id: 's1', data: 1 });
    last().receive({ op: 'closed', id: 's1' });
    expect(a.events).toEqual([]);
    expect(a.errors).toEqual([]);
  });

  it("ends a subscription with the node's error, and reports a close the node started", () => {
    const { events, last } = setup();
    const a = collect();
    const b = collect();
    events.subscribe('node.heartbeat', {}, a.onEvent, a.onError);
    events.subscribe('node.heartbeat', {}, b.onEvent, b.onError);
    last().open();
    last().receive({ op: 'error', id: 's1', error: { code: 'unauthenticated', message: 'log in first' } });
    last().receive({ op: 'event', id: 's1', data: 'late' });
    last().receive({ op: 'closed', id: 's2' });
    expect(a.errors).toEqual([{ code: 'unauthenticated', message: 'log in first' }]);
    expect(a.events).toEqual([]);
    expect(b.errors).toEqual([{ code: 'unavailable', message: 'the node ended this live update' }]);
  });

  it('ignores what is not the protocol', () => {
    const { events, last } = setup();
    const a = collect();
    events.subscribe('node.heartbeat', {}, a.onEvent, a.onError);
    last().open();
    last().receive('not json');
    last().receive({ op: 'surprise', id: 's1' });
    last().receive({ op: 'event' });
    last().receive({ op: 'error', id: null, error: { code: 'bad_request', message: 'malformed' } });
    expect(a).toMatchObject({ events: [], errors: [] });
    last().receive({ op: 'event', id: 's1', data: 'still works' });
    expect(a.events).toEqual(['still works']);
  });

  it('reconnects with growing delays after a drop and re-subscribes what is still active', () => {
    const { sockets, timers, events, last } = setup();
    const a = collect();
    const b = collect();
    events.subscribe('node.heartbeat', { intervalMs: 5000 }, a.onEvent, a.onError);
    const stopB = events.subscribe('vitals.live', {}, b.onEvent, b.onError);
    last().open();
    stopB();
    last().drop();
    // Half the backoff plus `random` (0.5 here) times the other half.
    expect(timers.delays()).toEqual([300]);
    timers.fireAll();
    expect(sockets).toHaveLength(2);
    last().drop(); // never opened: the node is still down
    expect(timers.delays()).toEqual([600]);
    timers.fireAll();
    last().drop();
    expect(timers.delays()).toEqual([1200]);
    timers.fireAll();
    last().drop();
    expect(timers.delays()).toEqual([2250]);
    timers.fireAll();
    expect(sockets).toHaveLength(5);
    last().open();
    expect(last().sent).toEqual([
      { op: 'subscribe', id: 's1', stream: 'node.heartbeat', params: { intervalMs: 5000 } },
    ]);
    last().receive({ op: 'event', id: 's1', data: 'back' });
    expect(a.events).toEqual(['back']);
    expect(a.errors).toEqual([]);
    // A successful open starts the backoff over.
    last().drop();
    expect(timers.delays()).toEqual([300]);
  });

  it('spreads reconnect delays between half and all of the backoff', () => {
    const cases: [number, number][] = [
      [0, 200],
      [0.999999, 400],
    ];
    for (const [random, delay] of cases) {
      const { timers, events, last } = setup({ random: () => random });
      events.subscribe(
        'node.heartbeat',
        {},
        () => {},
        () => {},
      );
      last().drop();
      expect(timers.delays()).toEqual([delay]);
    }
  });

  it('closes the socket when idle and does not reconnect without subscriptions', () => {
    const { sockets, timers, events, last } = setup();
    const stop = events.subscribe(
      'node.heartbeat',
      {},
      () => {},
      () => {},
    );
    last().open();
    stop();
    expect(timers.delays()).toEqual([1000]);
    expect(last().closed).toBe(false);
    timers.fireAll();
    expect(last().closed).toBe(true);
    last().drop(); // the close event of our own close
    expect(timers.pending.size).toBe(0);
    expect(sockets).toHaveLength(1);
  });

  it('keeps the socket when a subscription starts before the idle close', () => {
    const { sockets, timers, events, last } = setup();
    const stop = events.subscribe(
      'node.heartbeat',
      {},
      () => {},
      () => {},
    );
    last().open();
    stop();
    events.subscribe(
      'node.heartbeat',
      {},
      () => {},
      () => {},
    );
    expect(timers.pending.size).toBe(0);
    expect(sockets).toHaveLength(1);
    expect(last().closed).toBe(false);
    expect(last().sent.at(-1)).toEqual({ op: 'subscribe', id: 's2', stream: 'node.heartbeat', params: {} });
  });

  it('treats a socket that cannot be created as a failed attempt', () => {
    const timers = new ManualTimers();
    let attempts = 0;
    const events = createEventSocket({
      connect: () => {
        attempts += 1;
        throw new Error('blocked');
      },
      timers,
      initialDelayMs: 100,
      random: () => 0.5,
    });
    events.subscribe(
      'node.heartbeat',
      {},
      () => {},
      () => {},
    );
    expect(attempts).toBe(1);
    expect(timers.delays()).toEqual([75]);
    timers.fireAll();
    expect(attempts).toBe(2);
    events.dispose();
    expect(timers.pending.size).toBe(0);
  });

  it('after dispose, refuses new subscriptions with an error and closes the socket', () => {
    const { events, last } = setup();
    events.subscribe(
      'node.heartbeat',
      {},
      () => {},
      () => {},
    );
    last().open();
    events.dispose();
    expect(last().closed).toBe(true);
    const a = collect();
    events.subscribe('node.heartbeat', {}, a.onEvent, a.onError);
    expect(a.errors).toEqual([{ code: 'unavailable', message: 'the event connection has been shut down' }]);
  });
});
