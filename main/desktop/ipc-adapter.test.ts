import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { methodNames, streamNames } from '../../shared/api/contract';
import { ok, type Result } from '../../shared/api/envelope';
import { ApiError } from '../../shared/api/errors';
import type { NodeHealth } from '../../shared/api/node';
import type { CallOrigin, Principal } from '../api/context';
import {
  createDispatcher,
  type Api,
  type CallRecord,
  type Handlers,
  type StreamHandlers,
} from '../api/dispatcher';
import { loadConfig } from '../config/config';
import { createLogger } from '../log/logger';
import { DEMO_PASSWORD, DEMO_USERNAMES } from '../auth/demo-users';
import { createNode, type VitalMeshNode } from '../node';
import { newKey, writeKeyFile } from '../store/key-file';
import { APP_INDEX_URL } from './app-protocol';
import {
  EVENT_CHANNEL,
  PAGE_LOADED_CHANNEL,
  SUBSCRIBE_CHANNEL,
  UNSUBSCRIBE_CHANNEL,
  callChannel,
} from './channels';
import {
  LOGIN_METHOD,
  LOGOUT_METHOD,
  registerIpcAdapter,
  rendererUrlCheck,
  type IpcAdapter,
  type InvokeListener,
  type IpcMainLike,
  type SenderFrameLike,
  type SenderLike,
} from './ipc-adapter';

const APP_URL = `${APP_INDEX_URL}#/vitals`;
const logger = createLogger({ level: 'silent' });

/** Electron's ipcMain as far as the adapter uses it: same errors for unknown or doubled channels. */
class FakeIpcMain implements IpcMainLike {
  readonly handlers = new Map<string, InvokeListener>();
  handle(channel: string, listener: InvokeListener): void {
    if (this.handlers.has(channel))
      throw new Error(`Attempted to register a second handler for '${channel}'`);
    this.handlers.set(channel, listener);
  }
  removeHandler(channel: string): void {
    this.handlers.delete(channel);
  }
  /** What `ipcRenderer.invoke` does from the given window. */
  async invoke(sender: FakeWindow, channel: string, ...args: unknown[]): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (!listener) throw new Error(`No handler registered for '${channel}'`);
    return listener({ sender, senderFrame: sender.frame }, ...args);
  }
}

let nextId = 1;
/** A window's WebContents: records what main sends it, and can be destroyed. */
class FakeWindow implements SenderLike {
  readonly id = nextId++;
  readonly sent: { channel: string; args: unknown[] }[] = [];
  frame: SenderFrameLike | null;
  private destroyed = false;
  private readonly onDestroyed: (() => void)[] = [];
  constructor(url = APP_URL) {
    this.frame = { url, parent: null };
  }
  send(channel: string, ...args: unknown[]): void {
    if (this.destroyed) throw new Error('Object has been destroyed');
    this.sent.push({ channel, args });
  }
  isDestroyed(): boolean {
    return this.destroyed;
  }
  once(_event: 'destroyed', listener: () => void): this {
    this.onDestroyed.push(listener);
    return this;
  }
  destroy(): void {
    this.destroyed = true;
    for (const listener of this.onDestroyed.splice(0)) listener();
  }
  eventsFor(subscriptionId: string): unknown[] {
    return this.sent
      .filter((m) => m.channel === EVENT_CHANNEL && m.args[0] === subscriptionId)
      .map((m) => m.args[1]);
  }
}

const health = (uptimeSeconds: number): NodeHealth => ({
  status: 'ok',
  version: '0.0.0-test',
  uptimeSeconds,
  schemaVersion: 1,
  keySource: 'file',
  storeBytes: 0,
  walBytes: 0,
  checkedAt: new Date(0).toISOString(),
});

/**
 * A real dispatcher with small real handlers: node.info answers, node.heartbeat pushes whenever
 * the test says, every other contract method says it's unavailable. Tokens are real sessions of
 * this dispatcher; the login/logout methods the auth issue will add are stood in for by `withAuth`.
 */
function testDispatcher() {
  const sessions = new Map<string, Principal>();
  const open = new Set<(event: NodeHealth) => void>();
  const records: CallRecord[] = [];
  const unavailable = () => {
    throw new ApiError('unavailable', 'not in this test');
  };
  const handlers = Object.fromEntries(methodNames.map((m) => [m, unavailable])) as unknown as Handlers;
  handlers['node.info'] = () => ({
    name: 'VitalMesh',
    version: '0.0.0-test',
    facilityName: 'Test facility',
    host: 'desktop',
    demo: false,
  });
  handlers['node.health'] = () => health(1);
  const streamHandlers = Object.fromEntries(
    streamNames.map((s) => [s, unavailable]),
  ) as unknown as StreamHandlers;
  streamHandlers['node.heartbeat'] = (_params, _ctx, emit) => {
    open.add(emit);
    return () => open.delete(emit);
  };
  const api = createDispatcher({
    logger,
    handlers,
    streamHandlers,
    authenticate: (token) => (token === undefined ? undefined : sessions.get(token)),
    record: (r) => records.push(r),
  });
  const push = (uptime: number) => {
    for (const emit of open) emit(health(uptime));
  };
  return { api, sessions, records, open, push };
}

/** Adds the auth methods of a later issue in front of the dispatcher, with the same envelopes. */
function withAuth(inner: ReturnType<typeof testDispatcher>): Api & { origins: CallOrigin[] } {
  const origins: CallOrigin[] = [];
  let n = 0;
  return {
    origins,
    subscribe: (origin, stream, params, emit) => inner.api.subscribe(origin, stream, params, emit),
    async call(origin, method, input): Promise<Result<unknown>> {
      origins.push(origin);
      if (method === LOGIN_METHOD) {
        const token = `token-${++n}`;
        inner.sessions.set(token, { userId: n, username: 'nurse', role: 'clinician', sessionId: `s${n}` });
        return ok({ token, username: 'nurse', role: 'clinician' });
      }
      if (method === LOGOUT_METHOD) {
        if (origin.token !== undefined) inner.sessions.delete(origin.token);
        return ok({});
      }
      return inner.api.call(origin, method, input);
    },
  };
}

describe('rendererUrlCheck', () => {
  const check = rendererUrlCheck({ appUrl: APP_INDEX_URL, devUrl: 'http://127.0.0.1:5173/' });
  it('accepts the app origin with any route, and the dev server origin', () => {
    expect(check(APP_URL)).toBe(true);
    expect(check('vitalmesh://app/audit?x=1')).toBe(true);
    expect(check('http://127.0.0.1:5173/index.html#/audit')).toBe(true);
  });
  it('refuses other hosts, origins, files and junk', () => {
    expect(check('vitalmesh://evil/index.html')).toBe(false);
    expect(check(`file://${join(tmpdir(), 'index.html')}`)).toBe(false);
    expect(check('http://127.0.0.1:5174/')).toBe(false);
    expect(check('https://example.org/')).toBe(false);
    expect(check('data:text/html,<p>x</p>')).toBe(false);
    expect(check('not a url')).toBe(false);
  });
  it('has no dev origin unless one is configured', () => {
    expect(rendererUrlCheck({ appUrl: APP_INDEX_URL })('http://127.0.0.1:5173/')).toBe(false);
  });
  it('matches a file: app by its exact path only', () => {
    const file = join(tmpdir(), 'vitalmesh-app', 'renderer', 'index.html');
    const fileCheck = rendererUrlCheck({ appUrl: pathToFileURL(file).href });
    expect(fileCheck(`${pathToFileURL(file).href}#/vitals`)).toBe(true);
    expect(fileCheck(pathToFileURL(join(tmpdir(), 'evil.html')).href)).toBe(false);
  });
});

describe('IPC adapter over a real node', () => {
  let dir: string;
  let node: VitalMeshNode;
  let ipc: FakeIpcMain;
  let adapter: IpcAdapter;

  beforeEach(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vm-desktop-'));
    const keyFile = join(dir, 'db.key');
    writeKeyFile(keyFile, newKey());
    const config = loadConfig({ dataDir: join(dir, 'data'), keySource: 'file', keyFile, mllpPort: 0 }, {});
    node = await createNode(config, { host: 'desktop', logger });
    ipc = new FakeIpcMain();
    adapter = registerIpcAdapter({
      api: node.api,
      ipcMain: ipc,
      logger,
      isAllowedSender: rendererUrlCheck({ appUrl: APP_INDEX_URL }),
    });
  });

  afterEach(async () => {
    await adapter.dispose();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('has exactly one channel per contract method, plus the stream and page channels', () => {
    const expected = [
      ...methodNames.map(callChannel),
      SUBSCRIBE_CHANNEL,
      UNSUBSCRIBE_CHANNEL,
      PAGE_LOADED_CHANNEL,
    ];
    expect([...ipc.handlers.keys()].sort()).toEqual(expected.sort());
    expect(adapter.channels).toHaveLength(expected.length);
  });

  it('answers a public method with the node’s envelope', async () => {
    const result = await ipc.invoke(new FakeWindow(), callChannel('node.info'), {});
    expect(result).toMatchObject({ ok: true, value: { name: 'VitalMesh', host: 'desktop' } });
  });

  it('lets the dispatcher refuse what needs a session, and bad input', async () => {
    const win = new FakeWindow();
    expect(await ipc.invoke(win, callChannel('node.health'), {})).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    expect(await ipc.invoke(win, callChannel('node.info'), { extra: 1 })).toMatchObject({
      ok: false,
      error: { code: 'bad_request' },
    });
  });

  it('has no channel for an unknown method, and no way to name one', async () => {
    const win = new FakeWindow();
    await expect(ipc.invoke(win, callChannel('node.shutdown'), {})).rejects.toThrow(/No handler registered/);
    await expect(ipc.invoke(win, 'vm:call', 'node.info', {})).rejects.toThrow(/No handler registered/);
  });

  it('refuses a foreign sender URL, a child frame and a gone frame', async () => {
    const foreign = new FakeWindow('https://example.org/');
    const child = new FakeWindow();
    child.frame = { url: APP_URL, parent: { url: APP_URL } };
    const gone = new FakeWindow();
    gone.frame = null;
    for (const win of [foreign, child, gone]) {
      expect(await ipc.invoke(win, callChannel('node.info'), {})).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
      expect(await ipc.invoke(win, SUBSCRIBE_CHANNEL, 'a1', 'node.heartbeat', {})).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
    }
    expect(adapter.stats().senders).toBe(0);
  });

  it('removes its handlers on dispose', async () => {
    await adapter.dispose();
    expect(ipc.handlers.size).toBe(0);
  });
});

describe('IPC adapter: a real login on a real node', () => {
  let dir: string;
  let node: VitalMeshNode;
  let ipc: FakeIpcMain;
  let adapter: IpcAdapter;
  const tokensSeen: (string | undefined)[] = [];

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'vm-desktop-login-'));
    const keyFile = join(dir, 'db.key');
    writeKeyFile(keyFile, newKey());
    const config = loadConfig(
      { dataDir: join(dir, 'data'), keySource: 'file', keyFile, demo: true, mllpPort: 0 },
      {},
    );
    node = await createNode(config, { host: 'desktop', logger });
    // Watches which token main presents, without changing what the node does.
    const api: Api = {
      call: (origin, method, input) => {
        tokensSeen.push(origin.token);
        return node.api.call(origin, method, input);
      },
      subscribe: (origin, stream, params, emit) => node.api.subscribe(origin, stream, params, emit),
    };
    ipc = new FakeIpcMain();
    adapter = registerIpcAdapter({
      api,
      ipcMain: ipc,
      logger,
      isAllowedSender: rendererUrlCheck({ appUrl: APP_INDEX_URL }),
    });
  });

  afterAll(async () => {
    await adapter.dispose();
    await node.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('logs in, keeps the token in main, streams, logs out, and ends the session of a closed window', async () => {
    const win = new FakeWindow();
    const other = new FakeWindow();
    const credentials = { username: DEMO_USERNAMES.clinician, password: DEMO_PASSWORD };
    const login = (await ipc.invoke(win, callChannel('auth.login'), credentials)) as Result<
      Record<string, unknown>
    >;
    expect(login).toMatchObject({ ok: true, value: { user: { role: 'clinician' } } });
    expect(login.ok && 'token' in login.value).toBe(false);

    expect(await ipc.invoke(win, callChannel('node.health'), {})).toMatchObject({ ok: true });
    const token = tokensSeen.at(-1);
    expect(token).toEqual(expect.any(String));
    expect(await ipc.invoke(other, callChannel('node.health'), {})).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });

    // node.heartbeat sends the current health at once, before the subscribe call has answered.
    expect(await ipc.invoke(win, SUBSCRIBE_CHANNEL, 'hb', 'node.heartbeat', {})).toMatchObject({ ok: true });
    expect(win.eventsFor('hb')).toEqual([
      expect.objectContaining({ keySource: 'file', schemaVersion: expect.any(Number) as number }),
    ]);
    expect(other.sent).toEqual([]);

    expect(await ipc.invoke(win, callChannel('auth.logout'), {})).toMatchObject({ ok: true });
    expect(await ipc.invoke(win, callChannel('node.health'), {})).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });

    const closing = new FakeWindow();
    await ipc.invoke(closing, callChannel('auth.login'), credentials);
    await ipc.invoke(closing, callChannel('auth.me'), {});
    const closingToken = tokensSeen.at(-1);
    expect(node.access.sessions.authenticate(closingToken)).toMatchObject({ role: 'clinician' });
    closing.destroy();
    win.destroy();
    await adapter.dispose();
    expect(node.access.sessions.authenticate(closingToken)).toBeUndefined();
    expect(adapter.stats()).toEqual({ senders: 0, subscriptions: 0, sessions: 0 });
  });
});

describe('IPC adapter sessions and subscriptions', () => {
  let node: ReturnType<typeof testDispatcher>;
  let api: ReturnType<typeof withAuth>;
  let ipc: FakeIpcMain;
  let adapter: IpcAdapter;

  beforeEach(() => {
    node = testDispatcher();
    api = withAuth(node);
    ipc = new FakeIpcMain();
    adapter = registerIpcAdapter({
      api,
      ipcMain: ipc,
      logger,
      isAllowedSender: rendererUrlCheck({ appUrl: APP_INDEX_URL }),
      // Already in the contract once the auth methods exist; listed so this test never depends on it.
      methodNames: [...new Set<string>([...methodNames, LOGIN_METHOD, LOGOUT_METHOD])],
    });
  });

  afterEach(async () => {
    await adapter.dispose();
  });

  const login = async (win: FakeWindow) => ipc.invoke(win, callChannel(LOGIN_METHOD), { username: 'nurse' });

  it('keeps the login token in main, per window, and drops it on logout', async () => {
    const win = new FakeWindow();
    const other = new FakeWindow();
    const answer = await login(win);
    expect(answer).toEqual({ ok: true, value: { username: 'nurse', role: 'clinician' } });
    expect(JSON.stringify(answer)).not.toContain('token');

    expect(await ipc.invoke(win, callChannel('node.health'), {})).toMatchObject({ ok: true });
    expect(api.origins.at(-1)).toEqual({ host: 'desktop', token: 'token-1' });
    // Another window has its own (absent) session.
    expect(await ipc.invoke(other, callChannel('node.health'), {})).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });

    expect(await ipc.invoke(win, callChannel(LOGOUT_METHOD), {})).toMatchObject({ ok: true });
    expect(api.origins.at(-1)).toEqual({ host: 'desktop', token: 'token-1' });
    expect(await ipc.invoke(win, callChannel('node.health'), {})).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    expect(adapter.stats().sessions).toBe(0);
  });

  it('ends the node session when its window is destroyed', async () => {
    const win = new FakeWindow();
    await login(win);
    expect(node.sessions.size).toBe(1);
    win.destroy();
    await adapter.dispose();
    expect(node.sessions.size).toBe(0);
    expect(adapter.stats()).toEqual({ senders: 0, subscriptions: 0, sessions: 0 });
  });

  it('routes stream events to the window that subscribed, until it unsubscribes', async () => {
    const a = new FakeWindow();
    const b = new FakeWindow();
    await login(a);
    await login(b);
    expect(await ipc.invoke(a, SUBSCRIBE_CHANNEL, 's1', 'node.heartbeat', {})).toEqual({
      ok: true,
      value: { id: 's1' },
    });
    expect(await ipc.invoke(b, SUBSCRIBE_CHANNEL, 's1', 'node.heartbeat', {})).toMatchObject({ ok: true });
    node.push(7);
    expect(a.eventsFor('s1')).toEqual([health(7)]);
    expect(b.eventsFor('s1')).toEqual([health(7)]);

    expect(await ipc.invoke(a, UNSUBSCRIBE_CHANNEL, 's1')).toEqual({ ok: true, value: { closed: true } });
    node.push(8);
    expect(a.eventsFor('s1')).toEqual([health(7)]);
    expect(b.eventsFor('s1')).toEqual([health(7), health(8)]);
    expect(node.open.size).toBe(1);
  });

  it('closes every subscription of a destroyed window and sends it nothing more', async () => {
    const a = new FakeWindow();
    const b = new FakeWindow();
    await login(a);
    await login(b);
    await ipc.invoke(a, SUBSCRIBE_CHANNEL, 'x', 'node.heartbeat', {});
    await ipc.invoke(a, SUBSCRIBE_CHANNEL, 'y', 'node.heartbeat', {});
    await ipc.invoke(b, SUBSCRIBE_CHANNEL, 'x', 'node.heartbeat', {});
    expect(adapter.stats().subscriptions).toBe(3);
    a.destroy();
    expect(node.open.size).toBe(1);
    expect(adapter.stats()).toMatchObject({ senders: 1, subscriptions: 1 });
    node.push(9);
    expect(b.eventsFor('x')).toEqual([health(9)]);
  });

  it('closes the streams of a page that was replaced (reload), keeping the session', async () => {
    const win = new FakeWindow();
    await login(win);
    await ipc.invoke(win, SUBSCRIBE_CHANNEL, 'old', 'node.heartbeat', {});
    expect(await ipc.invoke(win, PAGE_LOADED_CHANNEL)).toEqual({ ok: true, value: { closed: 1 } });
    expect(node.open.size).toBe(0);
    expect(adapter.stats()).toMatchObject({ subscriptions: 0, sessions: 1 });
    expect(await ipc.invoke(new FakeWindow(), PAGE_LOADED_CHANNEL)).toEqual({
      ok: true,
      value: { closed: 0 },
    });
  });

  it('closes a stream whose window went away while it was opening', async () => {
    const win = new FakeWindow();
    await login(win);
    const pending = ipc.invoke(win, SUBSCRIBE_CHANNEL, 'late', 'node.heartbeat', {});
    win.destroy();
    await pending;
    expect(node.open.size).toBe(0);
    expect(adapter.stats().subscriptions).toBe(0);
  });

  it('refuses bad subscription requests without opening anything', async () => {
    const win = new FakeWindow();
    await login(win);
    const code = async (...args: unknown[]) => {
      const result = (await ipc.invoke(win, SUBSCRIBE_CHANNEL, ...args)) as Result<unknown>;
      return result.ok ? 'ok' : result.error.code;
    };
    expect(await code('s', 'vitals.nope', {})).toBe('unknown_method');
    expect(await code('bad id!', 'node.heartbeat', {})).toBe('bad_request');
    expect(await code(undefined, 'node.heartbeat', {})).toBe('bad_request');
    expect(await code('s', 'node.heartbeat', { intervalMs: 1 })).toBe('bad_request');
    expect(await code('s', 'node.heartbeat', {})).toBe('ok');
    expect(await code('s', 'node.heartbeat', {})).toBe('conflict');
    expect(node.open.size).toBe(1);
    expect(await ipc.invoke(win, UNSUBSCRIBE_CHANNEL, 'never')).toEqual({
      ok: true,
      value: { closed: false },
    });
  });

  it('subscribes only with a session, as the dispatcher decides', async () => {
    const win = new FakeWindow();
    expect(await ipc.invoke(win, SUBSCRIBE_CHANNEL, 's', 'node.heartbeat', {})).toMatchObject({
      ok: false,
      error: { code: 'unauthenticated' },
    });
    expect(adapter.stats().subscriptions).toBe(0);
  });
});
