import { describe, expect, it } from 'vitest';
import type { VitalMeshClient } from '../../shared/api/client';
import { createElectronClient } from './electron-bridge';
import { eventsUrl, pickBridge, type BridgeHost } from './pick-bridge';

describe('Electron bridge', () => {
  it('passes calls through and turns a failed IPC round trip into an envelope', async () => {
    const answers: unknown[] = [{ ok: true, value: 'first' }, new Error('An object could not be cloned.')];
    const preload = {
      call: async () => {
        const next = answers.shift();
        if (next instanceof Error) throw next;
        return next;
      },
      subscribe: () => () => {},
    } as unknown as VitalMeshClient;
    const client = createElectronClient(preload);
    expect(await client.call('node.info', {})).toEqual({ ok: true, value: 'first' });
    expect(await client.call('node.info', {})).toEqual({
      ok: false,
      error: {
        code: 'unavailable',
        message: 'the desktop node did not answer node.info (An object could not be cloned.)',
      },
    });
  });

  it('stops delivering at once when unsubscribed, and unsubscribes the preload once', () => {
    let emit: ((event: unknown) => void) | undefined;
    let stops = 0;
    const preload = {
      call: async () => ({ ok: true, value: null }),
      subscribe: (_stream: string, _params: unknown, onEvent: (event: unknown) => void) => {
        emit = onEvent;
        return () => {
          stops += 1;
        };
      },
    } as unknown as VitalMeshClient;
    const received: unknown[] = [];
    const stop = createElectronClient(preload).subscribe('node.heartbeat', {}, (event) =>
      received.push(event),
    );
    emit?.('one');
    stop();
    stop();
    emit?.('late');
    expect(received).toEqual(['one']);
    expect(stops).toBe(1);
  });
});

describe('pickBridge', () => {
  const host = (vitalmesh?: VitalMeshClient): BridgeHost & { fetched: string[] } => {
    const fetched: string[] = [];
    return {
      vitalmesh,
      fetched,
      location: { protocol: 'http:', host: '127.0.0.1:8470' },
      fetch: async (url) => {
        fetched.push(url);
        return { status: 200, text: async () => '{"ok":true,"value":"over http"}' };
      },
      WebSocket: class {} as unknown as typeof WebSocket,
    };
  };

  it('uses the preload API when the Electron window exposes one', async () => {
    const preload: VitalMeshClient = {
      call: async () => ({ ok: true, value: 'over ipc' }) as never,
      subscribe: () => () => {},
    };
    const window = host(preload);
    expect(await pickBridge(window).call('node.info', {})).toEqual({ ok: true, value: 'over ipc' });
    expect(window.fetched).toEqual([]);
  });

  it('uses HTTP otherwise', async () => {
    const window = host();
    expect(await pickBridge(window).call('node.info', {})).toEqual({ ok: true, value: 'over http' });
    expect(window.fetched).toEqual(['/api/node.info']);
  });

  it('puts the event socket on the page origin, encrypted when the page is', () => {
    expect(eventsUrl({ protocol: 'http:', host: '127.0.0.1:8470' })).toBe('ws://127.0.0.1:8470/api/events');
    expect(eventsUrl({ protocol: 'https:', host: 'node.example:8443' })).toBe(
      'wss://node.example:8443/api/events',
    );
  });
});
