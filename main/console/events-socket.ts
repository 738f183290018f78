import type { RawData, WebSocket } from 'ws';
import { z } from 'zod';
import type { Api } from '../api/dispatcher';
import type { CallOrigin } from '../api/context';
import type { Logger } from '../log/logger';

/** What a browser may send on /api/events. Anything else is answered with an error, not acted on. */
const clientMessage = z.discriminatedUnion('op', [
  z.object({
    op: z.literal('subscribe'),
    id: z.string().min(1).max(64),
    stream: z.string().min(1).max(100),
    params: z.unknown().optional(),
  }),
  z.object({ op: z.literal('unsubscribe'), id: z.string().min(1).max(64) }),
]);

/** A ws frame as text: one Buffer, or the fragments of one. */
const rawText = (data: RawData): string =>
  (Array.isArray(data) ? Buffer.concat(data) : Buffer.from(data as ArrayBuffer)).toString('utf8');

/** Events waiting in the socket's buffer beyond this are a slow client; see `send`. */
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024;
const MAX_SUBSCRIPTIONS = 64;

/**
 * One WebSocket carries all of a browser's subscriptions. Each subscription goes through the
 * dispatcher like any call (session, permission, audit); closing the socket ends them all.
 */
export function serveEventsSocket(socket: WebSocket, origin: CallOrigin, api: Api, logger: Logger): void {
  const subscriptions = new Map<string, () => void>();
  const send = (message: unknown) => {
    // A client that doesn't read must not grow the node's memory: drop the socket instead.
    if (socket.bufferedAmount > MAX_BUFFERED_BYTES) {
      logger.warn({ buffered: socket.bufferedAmount }, 'event socket too slow; closing');
      socket.close(1013, 'too slow');
      return;
    }
    socket.send(JSON.stringify(message));
  };

  socket.on('message', (data) => {
    let parsed;
    try {
      parsed = clientMessage.safeParse(JSON.parse(rawText(data)));
    } catch {
      parsed = undefined;
    }
    if (!parsed?.success) {
      send({
        op: 'error',
        id: null,
        error: { code: 'bad_request', message: 'malformed event-socket message' },
      });
      return;
    }
    const message = parsed.data;
    if (message.op === 'unsubscribe') {
      subscriptions.get(message.id)?.();
      subscriptions.delete(message.id);
      send({ op: 'closed', id: message.id });
      return;
    }
    if (subscriptions.has(message.id) || subscriptions.size >= MAX_SUBSCRIPTIONS) {
      send({
        op: 'error',
        id: message.id,
        error: { code: 'conflict', message: 'subscription id in use or too many subscriptions' },
      });
      return;
    }
    // Reserve the id before the await, so a racing duplicate is refused.
    subscriptions.set(message.id, () => {});
    void api
      .subscribe(origin, message.stream, message.params, (event) =>
        send({ op: 'event', id: message.id, data: event }),
      )
      .then((result) => {
        if (!subscriptions.has(message.id) || socket.readyState !== socket.OPEN) {
          if (result.ok) result.value.close();
          return;
        }
        if (!result.ok) {
          subscriptions.delete(message.id);
          send({ op: 'error', id: message.id, error: result.error });
          return;
        }
        subscriptions.set(message.id, result.value.close);
        send({ op: 'subscribed', id: message.id });
      });
  });

  socket.on('close', () => {
    for (const close of subscriptions.values()) close();
    subscriptions.clear();
  });
}
