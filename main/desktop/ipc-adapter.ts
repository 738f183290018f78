import { z } from 'zod';
import { methodNames as contractMethodNames } from '../../shared/api/contract';
import { fail, ok, type Result } from '../../shared/api/envelope';
import type { CallOrigin } from '../api/context';
import type { Api } from '../api/dispatcher';
import type { Logger } from '../log/logger';
import {
  EVENT_CHANNEL,
  PAGE_LOADED_CHANNEL,
  SUBSCRIBE_CHANNEL,
  SUBSCRIPTION_ID_PATTERN,
  UNSUBSCRIBE_CHANNEL,
  callChannel,
} from './channels';

/*
 * The Electron boundary, described by the few members the adapter uses. Electron's own `ipcMain`,
 * `IpcMainInvokeEvent`, `WebContents` and `WebFrameMain` satisfy these (main.ts passes them and
 * the typecheck proves it), and the tests run the adapter in plain Node with small fakes.
 */

/** The frame that sent an IPC message (Electron `WebFrameMain`). */
export interface SenderFrameLike {
  readonly url: string;
  /** null for a top-level frame; a child frame is never trusted. */
  readonly parent: unknown;
}

/** The renderer that sent an IPC message (Electron `WebContents`). */
export interface SenderLike {
  readonly id: number;
  send(channel: string, ...args: unknown[]): void;
  isDestroyed(): boolean;
  once(event: 'destroyed', listener: () => void): unknown;
}

/** Electron `IpcMainInvokeEvent`; `senderFrame` is null once the frame navigated or was destroyed. */
export interface InvokeEventLike {
  readonly sender: SenderLike;
  readonly senderFrame: SenderFrameLike | null;
}

export type InvokeListener = (event: InvokeEventLike, ...args: unknown[]) => unknown;

/** Electron `ipcMain`: request/response handlers only; we never use fire-and-forget `on`. */
export interface IpcMainLike {
  handle(channel: string, listener: InvokeListener): void;
  removeHandler(channel: string): void;
}

export interface IpcAdapterOptions {
  readonly api: Api;
  readonly ipcMain: IpcMainLike;
  readonly logger: Logger;
  /** Whether a frame URL is the app's own renderer; see `rendererUrlCheck`. */
  readonly isAllowedSender: (url: string) => boolean;
  /** The methods that get a channel; the contract's, unless a test adds some. */
  readonly methodNames?: readonly string[];
}

export interface IpcAdapter {
  /** Every channel this adapter handles, in registration order. */
  readonly channels: readonly string[];
  /** How much state is held, so tests can prove nothing outlives its window. */
  stats(): { senders: number; subscriptions: number; sessions: number };
  /** Removes the handlers, closes every subscription and ends every window's session (app quit). */
  dispose(): Promise<void>;
}

/** The method that opens a session: its token stays in main and never reaches the renderer. */
export const LOGIN_METHOD = 'auth.login';
/** The method that ends one: the token main holds for that window is dropped. */
export const LOGOUT_METHOD = 'auth.logout';
/** A window that opens more than this is broken or hostile; each one holds node resources. */
export const MAX_SUBSCRIPTIONS_PER_SENDER = 100;

const subscribeArgs = z.object({
  id: z.string().regex(SUBSCRIPTION_ID_PATTERN),
  stream: z.string().min(1).max(200),
});
const unsubscribeArgs = z.object({ id: z.string().regex(SUBSCRIPTION_ID_PATTERN) });

interface Subscription {
  close: (() => void) | undefined;
  /** Set when the renderer (or its destruction) ended it before the node finished opening it. */
  cancelled: boolean;
}

interface SenderState {
  /** The session token for this window; the renderer never sees it. */
  token: string | undefined;
  readonly subscriptions: Map<string, Subscription>;
}

/**
 * Builds the sender check for the app's renderer: a page of the app's own origin (the
 * `vitalmesh://app` scheme, any path, hash or query, which client-side routing uses) or, in
 * development only, of the dev server's. A file: URL has no host to tell apps apart, so there only
 * the very same file counts.
 */
export function rendererUrlCheck(options: {
  appUrl: string;
  devUrl?: string | undefined;
}): (url: string) => boolean {
  const app = new URL(options.appUrl);
  const dev = options.devUrl === undefined ? undefined : new URL(options.devUrl);
  // Compared by protocol and host, not `origin`: a custom scheme's origin is opaque ("null") in Node.
  const sameSite = (a: URL, b: URL) => a.protocol === b.protocol && a.host === b.host;
  return (url) => {
    let parsed: URL;
    try {
      parsed = new URL(url);
    } catch {
      return false;
    }
    if (parsed.protocol === 'file:') return sameSite(parsed, app) && parsed.pathname === app.pathname;
    return sameSite(parsed, app) || (dev !== undefined && sameSite(parsed, dev));
  };
}

/**
 * Carries the node's API over Electron IPC: one `vm:call:<method>` handler per contract method,
 * `vm:subscribe` / `vm:unsubscribe` for streams, events pushed on `vm:event`, `vm:page-loaded`
 * from each new page. Every message is
 * checked to come from the app's own top-level renderer frame; the session of each window is kept
 * here in main, so a compromised renderer can't read or exfiltrate its token.
 */
export function registerIpcAdapter(options: IpcAdapterOptions): IpcAdapter {
  const { api, ipcMain, isAllowedSender } = options;
  const logger = options.logger.child({ module: 'desktop-ipc' });
  const methodNames: readonly string[] = [...new Set(options.methodNames ?? contractMethodNames)];
  const senders = new Map<number, SenderState>();
  const channels: string[] = [];
  const revocations = new Set<Promise<void>>();

  const handle = (channel: string, listener: (event: InvokeEventLike, args: unknown[]) => unknown) => {
    ipcMain.handle(channel, (event, ...args) => {
      const refusal = checkSender(event);
      return refusal ?? listener(event, args);
    });
    channels.push(channel);
  };

  function checkSender(event: InvokeEventLike): Result<never> | undefined {
    const frame = event.senderFrame;
    if (frame && frame.parent === null && isAllowedSender(frame.url)) return undefined;
    logger.warn(
      { senderId: event.sender.id, origin: originOf(frame?.url) },
      'IPC from a foreign frame refused',
    );
    return fail({ code: 'forbidden', message: 'this frame may not call the VitalMesh node' });
  }

  function stateOf(sender: SenderLike): SenderState {
    let state = senders.get(sender.id);
    if (!state) {
      state = { token: undefined, subscriptions: new Map() };
      senders.set(sender.id, state);
      // A closed window must not leave streams running or a session usable in the node.
      sender.once('destroyed', () => forget(sender.id));
    }
    return state;
  }

  function forget(senderId: number): void {
    const state = senders.get(senderId);
    if (!state) return;
    senders.delete(senderId);
    for (const [id, subscription] of state.subscriptions) closeSubscription(id, subscription);
    state.subscriptions.clear();
    if (state.token !== undefined) revoke(state.token);
    state.token = undefined;
  }

  function closeSubscription(id: string, subscription: Subscription): void {
    subscription.cancelled = true;
    try {
      subscription.close?.();
    } catch (error) {
      logger.error({ err: error, subscriptionId: id }, 'closing a subscription failed');
    }
    subscription.close = undefined;
  }

  function revoke(token: string): void {
    // Until the auth methods exist there is no session to end in the node.
    if (!methodNames.includes(LOGOUT_METHOD)) return;
    const done = api.call(originWith(token), LOGOUT_METHOD, {}).then(
      (result) => {
        if (!result.ok)
          logger.warn({ code: result.error.code }, 'ending the session of a closed window failed');
      },
      (error: unknown) => logger.error({ err: error }, 'ending the session of a closed window failed'),
    );
    // dispose() waits for these, so the node is not closed under a running logout.
    revocations.add(done);
    void done.finally(() => revocations.delete(done));
  }

  const originWith = (token: string | undefined): CallOrigin => ({ host: 'desktop', token });

  for (const method of methodNames) {
    handle(callChannel(method), async (event, [input]) => {
      const state = stateOf(event.sender);
      const result = await api.call(originWith(state.token), method, input);
      return keepSession(state, event.sender, method, result);
    });
  }

  function keepSession(
    state: SenderState,
    sender: SenderLike,
    method: string,
    result: Result<unknown>,
  ): Result<unknown> {
    if (method === LOGOUT_METHOD) {
      state.token = undefined;
      return result;
    }
    if (method !== LOGIN_METHOD || !result.ok || !isRecord(result.value)) return result;
    const { token, ...rest } = result.value;
    if (typeof token !== 'string') return result;
    if (sender.isDestroyed() || senders.get(sender.id) !== state) {
      // The window closed while the login was running: nobody can use this session.
      revoke(token);
    } else {
      state.token = token;
    }
    return ok(rest);
  }

  handle(SUBSCRIBE_CHANNEL, async (event, [id, stream, params]) => {
    const parsed = subscribeArgs.safeParse({ id, stream });
    if (!parsed.success)
      return fail({ code: 'bad_request', message: 'a subscription needs an id and a stream name' });
    const sender = event.sender;
    const state = stateOf(sender);
    const subscriptionId = parsed.data.id;
    if (state.subscriptions.has(subscriptionId)) {
      return fail({ code: 'conflict', message: `subscription ${subscriptionId} is already open` });
    }
    if (state.subscriptions.size >= MAX_SUBSCRIPTIONS_PER_SENDER) {
      return fail({
        code: 'conflict',
        message: `a window may hold at most ${MAX_SUBSCRIPTIONS_PER_SENDER} subscriptions`,
      });
    }
    // Registered before the node answers, so an unsubscribe or a closing window in the meantime
    // is remembered and the stream closed as soon as it exists.
    const subscription: Subscription = { close: undefined, cancelled: false };
    state.subscriptions.set(subscriptionId, subscription);
    const emit = (payload: unknown) => {
      if (subscription.cancelled || sender.isDestroyed()) return;
      try {
        sender.send(EVENT_CHANNEL, subscriptionId, payload);
      } catch (error) {
        logger.error({ err: error, subscriptionId }, 'sending a stream event failed');
      }
    };
    const result = await api.subscribe(originWith(state.token), parsed.data.stream, params, emit);
    if (!result.ok) {
      if (state.subscriptions.get(subscriptionId) === subscription)
        state.subscriptions.delete(subscriptionId);
      return result;
    }
    subscription.close = result.value.close;
    if (subscription.cancelled) closeSubscription(subscriptionId, subscription);
    return ok({ id: subscriptionId });
  });

  handle(UNSUBSCRIBE_CHANNEL, (event, [id]) => {
    const parsed = unsubscribeArgs.safeParse({ id });
    if (!parsed.success) return fail({ code: 'bad_request', message: 'unsubscribe needs a subscription id' });
    const state = senders.get(event.sender.id);
    const subscription = state?.subscriptions.get(parsed.data.id);
    if (!state || !subscription) return ok({ closed: false });
    state.subscriptions.delete(parsed.data.id);
    closeSubscription(parsed.data.id, subscription);
    return ok({ closed: true });
  });

  // The window's contents outlive a page: a reload keeps the session (like a browser keeps its
  // cookie) but the old page's streams have no one listening any more.
  handle(PAGE_LOADED_CHANNEL, (event) => {
    const state = senders.get(event.sender.id);
    const closed = state?.subscriptions.size ?? 0;
    if (state) {
      for (const [id, subscription] of state.subscriptions) closeSubscription(id, subscription);
      state.subscriptions.clear();
    }
    return ok({ closed });
  });

  return {
    channels,
    stats() {
      let subscriptions = 0;
      let sessions = 0;
      for (const state of senders.values()) {
        subscriptions += state.subscriptions.size;
        if (state.token !== undefined) sessions += 1;
      }
      return { senders: senders.size, subscriptions, sessions };
    },
    async dispose() {
      for (const channel of channels) ipcMain.removeHandler(channel);
      for (const senderId of [...senders.keys()]) forget(senderId);
      await Promise.all([...revocations]);
    },
  };
}

const isRecord = (value: unknown): value is Record<string, unknown> =>
  typeof value === 'object' && value !== null && !Array.isArray(value);

/** Only the origin goes to the log: a foreign page's full URL may carry anything. */
function originOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  try {
    return new URL(url).origin;
  } catch {
    return 'invalid-url';
  }
}
