import type { ApiErrorBody } from '../../shared/api/errors';
import { serverMessageSchema, type ClientMessage } from './protocol';

/** What the event socket needs from a connection; `connect` must not call handlers synchronously. */
export interface SocketHandlers {
  onOpen(): void;
  onMessage(data: unknown): void;
  /** The connection is gone (closed by either side, or it never opened). */
  onClose(): void;
}

export interface SocketHandle {
  send(data: string): void;
  close(): void;
}

export type Connect = (handlers: SocketHandlers) => SocketHandle;

export interface Timers {
  setTimeout(fn: () => void, ms: number): unknown;
  clearTimeout(handle: unknown): void;
}

export interface EventSocketOptions {
  readonly connect: Connect;
  readonly timers?: Timers;
  /** First reconnect delay; it doubles after each failed attempt up to `maxDelayMs`. */
  readonly initialDelayMs?: number;
  readonly maxDelayMs?: number;
  /** The socket stays open this long after the last subscription ends, so a remounting screen doesn't churn it. */
  readonly idleCloseMs?: number;
  /** 0 ≤ n < 1; spreads reconnects so many consoles don't hit a restarted node at once. */
  readonly random?: () => number;
}

/** Untyped subscriptions over one shared socket; the HTTP bridge adds the contract's types. */
export interface EventSocket {
  subscribe(
    stream: string,
    params: unknown,
    onEvent: (data: unknown) => void,
    onError: (error: ApiErrorBody) => void,
  ): () => void;
  /** Ends every subscription and the socket, for good. */
  dispose(): void;
}

interface Subscription {
  readonly stream: string;
  readonly params: unknown;
  readonly onEvent: (data: unknown) => void;
  readonly onError: (error: ApiErrorBody) => void;
}

interface Connection {
  handle: SocketHandle | undefined;
  open: boolean;
}

const browserTimers: Timers = {
  setTimeout: (fn, ms) => globalThis.setTimeout(fn, ms),
  clearTimeout: (handle) => globalThis.clearTimeout(handle as ReturnType<typeof globalThis.setTimeout>),
};

/**
 * Multiplexes every subscription of the renderer over one WebSocket (`/api/events`): it connects
 * when the first subscription starts, re-subscribes everything after a drop (with backoff), and
 * closes when none is left. Subscribers only hear about errors that end their subscription.
 */
export function createEventSocket(options: EventSocketOptions): EventSocket {
  const timers = options.timers ?? browserTimers;
  const initialDelayMs = options.initialDelayMs ?? 500;
  const maxDelayMs = options.maxDelayMs ?? 15_000;
  const idleCloseMs = options.idleCloseMs ?? 5_000;
  const random = options.random ?? Math.random;

  const subscriptions = new Map<string, Subscription>();
  let connection: Connection | undefined;
  let failedAttempts = 0;
  let reconnectTimer: unknown;
  let idleTimer: unknown;
  let nextId = 1;
  let disposed = false;

  const send = (target: Connection, message: ClientMessage) => {
    if (!target.open || !target.handle) return;
    try {
      target.handle.send(JSON.stringify(message));
    } catch {
      // A socket that can't send is closing; its onClose re-subscribes everything.
    }
  };

  const subscribeAll = (target: Connection) => {
    for (const [id, sub] of subscriptions) {
      send(target, { op: 'subscribe', id, stream: sub.stream, params: sub.params });
    }
  };

  const open = () => {
    const current: Connection = { handle: undefined, open: false };
    connection = current;
    try {
      current.handle = options.connect({
        onOpen: () => {
          if (connection !== current) return;
          current.open = true;
          failedAttempts = 0;
          subscribeAll(current);
        },
        onMessage: (data) => {
          if (connection === current) receive(data);
        },
        onClose: () => {
          if (connection !== current) return;
          connection = undefined;
          scheduleReconnect();
        },
      });
      // A connect that opened synchronously found no handle to send on; send now.
      if (current.open) subscribeAll(current);
    } catch {
      // The URL or the environment refused the socket: treat it as a failed attempt.
      connection = undefined;
      scheduleReconnect();
    }
  };

  const scheduleReconnect = () => {
    if (disposed || subscriptions.size === 0 || reconnectTimer !== undefined) return;
    const ceiling = Math.min(maxDelayMs, initialDelayMs * 2 ** failedAttempts);
    failedAttempts += 1;
    const delay = Math.round(ceiling / 2 + (random() * ceiling) / 2);
    reconnectTimer = timers.setTimeout(() => {
      reconnectTimer = undefined;
      if (!disposed && subscriptions.size > 0 && !connection) open();
    }, delay);
  };

  const ensureConnected = () => {
    if (idleTimer !== undefined) {
      timers.clearTimeout(idleTimer);
      idleTimer = undefined;
    }
    if (!connection && reconnectTimer === undefined) open();
  };

  const closeWhenIdle = () => {
    if (subscriptions.size > 0 || idleTimer !== undefined) return;
    if (reconnectTimer !== undefined) {
      timers.clearTimeout(reconnectTimer);
      reconnectTimer = undefined;
    }
    if (!connection) return;
    idleTimer = timers.setTimeout(() => {
      idleTimer = undefined;
      if (subscriptions.size > 0 || !connection) return;
      const closing = connection;
      connection = undefined;
      closing.handle?.close();
    }, idleCloseMs);
  };

  /** The subscription is over on the node's side: forget it and tell its owner. */
  const end = (id: string, error: ApiErrorBody) => {
    const sub = subscriptions.get(id);
    if (!sub) return;
    subscriptions.delete(id);
    sub.onError(error);
    closeWhenIdle();
  };

  const receive = (data: unknown) => {
    if (typeof data !== 'string') return;
    let json: unknown;
    try {
      json = JSON.parse(data);
    } catch {
      return;
    }
    const parsed = serverMessageSchema.safeParse(json);
    // Nothing useful can be done with a message that isn't the protocol; the node logs its side.
    if (!parsed.success) return;
    const message = parsed.data;
    switch (message.op) {
      case 'subscribed':
        return;
      case 'event':
        subscriptions.get(message.id)?.onEvent(message.data);
        return;
      case 'error':
        if (message.id) end(message.id, message.error);
        return;
      case 'closed':
        // Also the answer to our own unsubscribe, by which time the id is already forgotten.
        end(message.id, { code: 'unavailable', message: 'the node ended this live update' });
        return;
      default: {
        const unreachable: never = message;
        return unreachable;
      }
    }
  };

  return {
    subscribe(stream, params, onEvent, onError) {
      if (disposed) {
        onError({ code: 'unavailable', message: 'the event connection has been shut down' });
        return () => {};
      }
      const id = `s${nextId++}`;
      subscriptions.set(id, { stream, params, onEvent, onError });
      // A socket that isn't open yet sends every subscription, this one included, once it opens.
      const ready = connection?.open === true ? connection : undefined;
      ensureConnected();
      if (ready) send(ready, { op: 'subscribe', id, stream, params });
      return () => {
        if (!subscriptions.delete(id)) return;
        if (connection) send(connection, { op: 'unsubscribe', id });
        closeWhenIdle();
      };
    },

    dispose() {
      disposed = true;
      subscriptions.clear();
      for (const timer of [reconnectTimer, idleTimer]) if (timer !== undefined) timers.clearTimeout(timer);
      reconnectTimer = idleTimer = undefined;
      const closing = connection;
      connection = undefined;
      closing?.handle?.close();
    },
  };
}

/** A `Connect` over the browser's WebSocket. */
export const browserSocket =
  (url: string, Socket: typeof WebSocket = WebSocket): Connect =>
  (handlers) => {
    const socket = new Socket(url);
    socket.onopen = () => handlers.onOpen();
    socket.onmessage = (event: MessageEvent) => handlers.onMessage(event.data);
    // An error is always followed by close; reacting once is enough.
    socket.onclose = () => handlers.onClose();
    return { send: (data) => socket.send(data), close: () => socket.close(1000, 'no subscriptions') };
  };
