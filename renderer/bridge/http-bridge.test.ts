import { describe, expect, expectTypeOf, it } from 'vitest';
import type { Result } from '../../shared/api/envelope';
import type { NodeHealth } from '../../shared/api/node';
import { createEventSocket, type SocketHandlers } from './event-socket';
import { createHttpClient, type FetchLike } from './http-bridge';

const health: NodeHealth = {
  status: 'ok',
  version: '0.1.0',
  uptimeSeconds: 12,
  schemaVersion: 3,
  keySource: 'file',
  storeBytes: 4096,
  walBytes: 0,
  checkedAt: '2026-11-25T13:00:00.000Z',
};

/** A fetch that answers from a function and records what it was asked. */
function fakeFetch(answer: (url: string) => { status: number; body: string } | Error) {
  const requests: { url: string; init: Parameters<FetchLike>[1] }[] = [];
  const fetch: FetchLike = async (url, init) => {
    requests.push({ url, init });
    const result = answer(url);
    if (result instanceof Error) throw result;
    return { status: result.status, text: async () => result.body };
  };
  return { fetch, requests };
}

const noEvents = () =>
  createEventSocket({
    connect: () => {
      throw new Error('no socket in this test');
    },
  });

describe('HTTP bridge', () => {
  it('posts the input as JSON to /api/<method> and returns the typed envelope', async () => {
    const { fetch, requests } = fakeFetch(() => ({
      status: 200,
      body: JSON.stringify({ ok: true, value: health }),
    }));
    const client = createHttpClient({ fetch, events: noEvents() });
    const result = await client.call('node.health', {});
    expectTypeOf(result).toEqualTypeOf<Result<NodeHealth>>();
    expect(result).toEqual({ ok: true, value: health });
    expect(requests).toEqual([
      {
        url: '/api/node.health',
        init: {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: '{}',
          credentials: 'same-origin',
        },
      },
    ]);
  });

  it('reads the envelope of an error answer, whatever the status says', async () => {
    const error = { code: 'unauthenticated', message: 'log in first' };
    const { fetch } = fakeFetch(() => ({ status: 401, body: JSON.stringify({ ok: false, error }) }));
    const client = createHttpClient({ fetch, events: noEvents() });
    expect(await client.call('node.health', {})).toEqual({ ok: false, error });
  });

  it('keeps the message of an error code it does not know', async () => {
    const { fetch } = fakeFetch(() => ({
      status: 418,
      body: JSON.stringify({ ok: false, error: { code: 'teapot', message: 'from a newer node' } }),
    }));
    const client = createHttpClient({ fetch, events: noEvents() });
    expect(await client.call('node.health', {})).toEqual({
      ok: false,
      error: { code: 'internal', message: 'from a newer node' },
    });
  });

  it('answers unavailable when the node cannot be reached', async () => {
    const { fetch } = fakeFetch(() => new TypeError('Failed to fetch'));
    const client = createHttpClient({ fetch, events: noEvents() });
    expect(await client.call('node.info', {})).toEqual({
      ok: false,
      error: { code: 'unavailable', message: "the node can't be reached (Failed to fetch)" },
    });
  });

  it('turns an answer without an envelope into an error from its status', async () => {
    const answers: Record<string, { status: number; body: string }> = {
      '/api/node.health': { status: 502, body: '<html>Bad gateway</html>' },
      '/api/node.info': { status: 200, body: '{"value":1}' },
    };
    const { fetch } = fakeFetch((url) => answers[url] ?? new Error('unexpected'));
    const client = createHttpClient({ fetch, events: noEvents() });
    expect(await client.call('node.health', {})).toEqual({
      ok: false,
      error: {
        code: 'unavailable',
        message: 'node.health: the node answered HTTP 502 without an API envelope',
      },
    });
    expect(await client.call('node.info', {})).toMatchObject({ ok: false, error: { code: 'internal' } });
  });

  it('subscribes through the shared event socket with typed events', () => {
    let handlers: SocketHandlers | undefined;
    const sent: string[] = [];
    const events = createEventSocket({
      connect: (h) => {
        handlers = h;
        return { send: (data) => sent.push(data), close: () => {} };
      },
    });
    const { fetch } = fakeFetch(() => new Error('unused'));
    const client = createHttpClient({ fetch, events });
    const received: NodeHealth[] = [];
    const errors: unknown[] = [];
    const stop = client.subscribe(
      'node.heartbeat',
      { intervalMs: 5000 },
      (event) => {
        expectTypeOf(event).toEqualTypeOf<NodeHealth>();
        received.push(event);
      },
      (error) => errors.push(error),
    );
    handlers?.onOpen();
    expect(sent.map((s) => JSON.parse(s) as unknown)).toEqual([
      { op: 'subscribe', id: 's1', stream: 'node.heartbeat', params: { intervalMs: 5000 } },
    ]);
    handlers?.onMessage(JSON.stringify({ op: 'event', id: 's1', data: health }));
    handlers?.onMessage(
      JSON.stringify({ op: 'error', id: 's1', error: { code: 'forbidden', message: 'no' } }),
    );
    expect(received).toEqual([health]);
    expect(errors).toEqual([{ code: 'forbidden', message: 'no' }]);
    stop();
    events.dispose();
  });
});
