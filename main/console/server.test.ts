import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WebSocket } from 'ws';
import { methodNames } from '../../shared/api/contract';
import { createLogger } from '../log/logger';
import { startTestNode } from '../testing/test-node';
import { tempDir } from '../testing/temp-dir';
import { CONTENT_SECURITY_POLICY } from './security-headers';
import { startConsole, type ConsoleServer } from './server';

let consoleServer: ConsoleServer;
let stopNode: () => Promise<void>;
let cleanupRenderer: () => void;

beforeAll(async () => {
  const { node, cleanup } = await startTestNode();
  stopNode = cleanup;
  const renderer = tempDir();
  cleanupRenderer = renderer.cleanup;
  mkdirSync(join(renderer.dir, 'assets'));
  writeFileSync(
    join(renderer.dir, 'index.html'),
    '<!doctype html><title>VitalMesh</title><div id="root"></div>',
  );
  consoleServer = await startConsole({
    api: node.api,
    logger: createLogger({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    rendererDir: renderer.dir,
    liveness: () => ({ status: 'ok', version: 'test' }),
  });
});

afterAll(async () => {
  await consoleServer.close();
  await stopNode();
  cleanupRenderer();
});

const post = (
  path: string,
  body: string,
  headers: Record<string, string> = { 'content-type': 'application/json' },
) => fetch(`${consoleServer.url}${path}`, { method: 'POST', body, headers });

describe('console host', () => {
  it('answers liveness without login', async () => {
    const response = await fetch(`${consoleServer.url}/api/health`);
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ status: 'ok', version: 'test' });
  });

  it('has a route for every contract method, answering in the envelope', async () => {
    for (const method of methodNames) {
      const response = await post(`/api/${method}`, '{}');
      const body = (await response.json()) as { ok: boolean; error?: { code: string } };
      expect(typeof body.ok, method).toBe('boolean');
      expect(body.error?.code, method).not.toBe('unknown_method');
    }
  });

  it('serves public methods and refuses the rest without a session', async () => {
    const info = await post('/api/node.info', '{}');
    expect(info.status).toBe(200);
    expect(await info.json()).toMatchObject({ ok: true, value: { name: 'VitalMesh', host: 'console' } });
    const health = await post('/api/node.health', '{}');
    expect(health.status).toBe(401);
    expect(await health.json()).toEqual({
      ok: false,
      error: { code: 'unauthenticated', message: 'log in first' },
    });
    const forged = await post('/api/node.health', '{}', {
      'content-type': 'application/json',
      authorization: 'Bearer forged-token-123',
    });
    expect(forged.status).toBe(401);
  });

  it('answers malformed JSON, bad input and unknown methods with clear envelopes', async () => {
    const malformed = await post('/api/node.info', '{"oops"');
    expect(malformed.status).toBe(400);
    expect(await malformed.json()).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    const extra = await post('/api/node.info', '{"unexpected": 1}');
    expect(extra.status).toBe(400);
    const body = (await extra.json()) as { error: { message: string } };
    expect(body.error.message).toMatch(/invalid input for node.info/);
    const unknown = await post('/api/node.explode', '{}');
    expect(unknown.status).toBe(404);
    expect(await unknown.json()).toMatchObject({ ok: false, error: { code: 'unknown_method' } });
  });

  it('sends the security headers on pages and API answers', async () => {
    for (const response of [await fetch(`${consoleServer.url}/`), await post('/api/node.info', '{}')]) {
      expect(response.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
      expect(response.headers.get('x-content-type-options')).toBe('nosniff');
      expect(response.headers.get('x-frame-options')).toBe('DENY');
    }
    expect(CONTENT_SECURITY_POLICY).not.toMatch(/unsafe-inline|unsafe-eval/);
    expect(await (await fetch(`${consoleServer.url}/`)).text()).toContain('VitalMesh');
  });

  it('refuses event subscriptions without a session and malformed socket messages', async () => {
    const ws = new WebSocket(`${consoleServer.url.replace('http', 'ws')}/api/events`);
    await new Promise((r) => ws.once('open', r));
    const answers: unknown[] = [];
    ws.on('message', (d) => answers.push(JSON.parse((d as Buffer).toString('utf8'))));
    ws.send(
      JSON.stringify({ op: 'subscribe', id: 's1', stream: 'node.heartbeat', params: { intervalMs: 1000 } }),
    );
    ws.send('not json');
    ws.send(JSON.stringify({ op: 'subscribe', id: 's2', stream: 'no.such.stream' }));
    await expect.poll(() => answers.length).toBe(3);
    expect(answers).toContainEqual({
      op: 'error',
      id: 's1',
      error: { code: 'unauthenticated', message: 'log in first' },
    });
    expect(answers).toContainEqual(expect.objectContaining({ op: 'error', id: null }));
    expect(answers).toContainEqual(
      expect.objectContaining({
        op: 'error',
        id: 's2',
        error: expect.objectContaining({ code: 'unknown_method' }) as unknown,
      }),
    );
    ws.close();
  });

  it('will not bind to a LAN address without TLS', async () => {
    await expect(
      startConsole({
        api: {
          call: async () => ({ ok: true, value: null }),
          subscribe: async () => ({ ok: true, value: { close() {} } }),
        },
        logger: createLogger({ level: 'silent' }),
        host: '0.0.0.0',
        port: 0,
        liveness: () => ({ status: 'ok', version: 'test' }),
      }),
    ).rejects.toThrow(/loopback/);
  });
});
