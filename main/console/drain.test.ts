import { request as httpRequest, Agent, type IncomingMessage } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import type { Api } from '../api/dispatcher';
import { createLogger } from '../log/logger';
import { startTestNode } from '../testing/test-node';
import type { VitalMeshNode } from '../node';
import { CONSOLE_CLOSE_GRACE_MS } from './drain';
import { startConsole, type ConsoleServer } from './server';

/**
 * The console closes within a bound whatever its clients do: `vitalmesh start` closes it first on
 * SIGTERM, and a close that waits on a browser kept e2e nodes alive past their teardown.
 */
let node: VitalMeshNode;
let stopNode: () => Promise<void>;
let server: ConsoleServer;
let release: () => void;
const held: { destroy(): void }[] = [];

// Well past the grace, well short of what it replaced (72 s keep-alive, 30 s WebSocket close).
const BOUND_MS = CONSOLE_CLOSE_GRACE_MS + 3000;

beforeEach(async () => {
  ({ node, cleanup: stopNode } = await startTestNode());
  const gate = new Promise<void>((r) => (release = r));
  // The real dispatcher; node.info (public) answers once the test opens the gate: a call in flight.
  const api: Api = {
    ...node.api,
    call: async (origin, method, input) => {
      if (method === 'node.info') await gate;
      return node.api.call(origin, method, input);
    },
  };
  server = await startConsole({
    api,
    logger: createLogger({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    liveness: () => ({ status: 'ok', version: 'test' }),
  });
});

afterEach(async () => {
  release();
  for (const h of held.splice(0)) h.destroy();
  await server.close();
  await stopNode();
});

/** POST node.info on a keep-alive connection, as a browser does; resolves with the answer. */
function inFlightCall(agent: Agent): Promise<{ response: IncomingMessage; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(
      `${server.url}/api/node.info`,
      { method: 'POST', agent, headers: { 'content-type': 'application/json' } },
      (response) => {
        let body = '';
        response.on('data', (d: Buffer) => (body += d.toString('utf8')));
        response.on('end', () => resolve({ response, body }));
        response.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end('{}');
  });
}

/** An upgraded /api/events socket that never reads and never answers the close frame. */
async function silentEventSocket(): Promise<Socket> {
  const { port, hostname } = new URL(server.url);
  const socket = connect(Number(port), hostname);
  held.push(socket);
  socket.on('error', () => undefined);
  socket.write(
    `GET /api/events HTTP/1.1\r\nHost: ${hostname}:${port}\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
      'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n',
  );
  await new Promise<void>((resolve) =>
    socket.once('data', (d: Buffer) => {
      expect(d.toString('latin1')).toMatch(/^HTTP\/1.1 101/);
      socket.pause();
      resolve();
    }),
  );
  return socket;
}

async function timedClose(): Promise<number> {
  const started = Date.now();
  await server.close();
  return Date.now() - started;
}

describe('closing the console', () => {
  it('answers a call in flight, then ends its keep-alive connection instead of idling on it', async () => {
    const agent = new Agent({ keepAlive: true });
    held.push(agent);
    const answer = inFlightCall(agent);
    await new Promise((r) => setTimeout(r, 200));
    const closed = timedClose();
    setTimeout(() => release(), 200);
    const { response, body } = await answer;
    expect(response.statusCode).toBe(200);
    expect(JSON.parse(body)).toMatchObject({ ok: true, value: { name: 'VitalMesh' } });
    // The answer carries the end of the connection, so close needn't wait for the keep-alive timeout.
    expect(response.headers.connection).toBe('close');
    expect(await closed).toBeLessThan(BOUND_MS);
  });

  it('cuts a call that outlasts the grace', async () => {
    const agent = new Agent({ keepAlive: true });
    held.push(agent);
    const answer = inFlightCall(agent);
    await new Promise((r) => setTimeout(r, 200));
    const elapsed = await timedClose();
    expect(elapsed).toBeGreaterThanOrEqual(CONSOLE_CLOSE_GRACE_MS - 50);
    expect(elapsed).toBeLessThan(BOUND_MS);
    await expect(answer).rejects.toThrow(/socket hang up|ECONNRESET/);
  });

  it('does not wait for an event socket that never answers the close frame', async () => {
    const silent = await silentEventSocket();
    const browser = new WebSocket(`${server.url.replace('http', 'ws')}/api/events`);
    held.push({ destroy: () => browser.terminate() });
    await new Promise((r) => browser.once('open', r));
    const browserClosed = new Promise<number>((r) => browser.once('close', (code) => r(code)));
    const silentClosed = new Promise<void>((r) => silent.once('close', () => r()));
    expect(await timedClose()).toBeLessThan(BOUND_MS);
    // A browser that answers is closed by the handshake; the silent one is cut.
    expect(await browserClosed).toBe(1005);
    silent.resume();
    await silentClosed;
  });
});
