import { existsSync } from 'node:fs';
import { isIP } from 'node:net';
import { resolve } from 'node:path';
import fastifyCookie from '@fastify/cookie';
import fastifyStatic from '@fastify/static';
import fastifyWebsocket from '@fastify/websocket';
import Fastify, { LogController } from 'fastify';
import { methodNames } from '../../shared/api/contract';
import type { Result } from '../../shared/api/envelope';
import type { Api } from '../api/dispatcher';
import type { CallOrigin } from '../api/context';
import type { Logger } from '../log/logger';
import { drainOnClose } from './drain';
import { serveEventsSocket } from './events-socket';
import { HTTP_STATUS } from './http-status';
import { SECURITY_HEADERS } from './security-headers';
import { clearSessionCookie, presentedToken, setSessionCookie } from './session-cookie';

export interface ConsoleOptions {
  readonly api: Api;
  readonly logger: Logger;
  readonly host: string;
  readonly port: number;
  /** The built renderer (vite build output). */
  readonly rendererDir?: string;
  /** Liveness answer for `GET /api/health`, which needs no login. */
  readonly liveness: () => { status: 'ok' | 'degraded'; version: string };
  /**
   * Prometheus text format at `GET /metrics` (off unless given: operations.metrics or
   * VITALMESH_METRICS=1). No login, as scrapers expect; it carries counts, never patient data,
   * and the console binds to loopback only.
   */
  readonly metrics?: { readonly contentType: string; text(): Promise<string> } | undefined;
}

export interface ConsoleServer {
  readonly url: string;
  close(): Promise<void>;
}

export const DEFAULT_RENDERER_DIR = resolve(import.meta.dirname, '../../dist/renderer');

const MAX_BODY_BYTES = 1024 * 1024;

export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || (isIP(host) === 4 && host.startsWith('127.'));
}

/**
 * The headless host: the contract as `POST /api/<method>` (routes generated from the contract),
 * pushed events on `/api/events`, and the built renderer. Bound to loopback by default.
 */
export async function startConsole(options: ConsoleOptions): Promise<ConsoleServer> {
  if (!isLoopback(options.host)) {
    // Sessions and patient data would cross the network in clear text.
    throw new Error(
      `the console may only bind to a loopback address until TLS for the console is configured ` +
        `(got ${options.host}); bind to 127.0.0.1 and reach it through an SSH tunnel or a TLS reverse proxy`,
    );
  }
  const app = Fastify({
    loggerInstance: options.logger.child({ module: 'console' }),
    // Per-request lines would repeat the audit in a log that is not protected like it.
    logController: new LogController({ disableRequestLogging: true }),
    bodyLimit: MAX_BODY_BYTES,
  });
  const secureCookies = false; // loopback only, see above

  await app.register(fastifyCookie);
  await app.register(fastifyWebsocket, { options: { maxPayload: 64 * 1024 } });
  // A stopping node must not wait on a browser: see drain.ts.
  const close = drainOnClose(app);

  app.addHook('onSend', async (_request, reply, payload) => {
    for (const [name, value] of Object.entries(SECURITY_HEADERS)) reply.header(name, value);
    return payload;
  });

  // Malformed JSON and wrong content types answer in the same envelope as everything else.
  app.setErrorHandler((error: { statusCode?: number; message: string }, request, reply) => {
    const status = error.statusCode ?? 500;
    const code = status === 413 ? 'bad_request' : status < 500 ? 'bad_request' : 'internal';
    const message =
      status < 500 ? `request refused: ${error.message}` : 'the console failed; see the node log';
    if (status >= 500) options.logger.error({ err: error }, 'console error');
    // Refused before the dispatcher saw it; the dispatcher still audits it (main/api owns the policy).
    const body = options.api.reject?.(origin(request), '(malformed request)', { code, message }) ?? {
      ok: false,
      error: { code, message },
    };
    void reply.code(status >= 500 ? 500 : status).send(body);
  });

  const origin = (request: { ip: string } & Parameters<typeof presentedToken>[0]): CallOrigin => ({
    host: 'console',
    token: presentedToken(request),
    remoteAddress: request.ip,
  });

  app.get('/api/health', async () => options.liveness());
  const metrics = options.metrics;
  if (metrics) {
    app.get('/metrics', async (_request, reply) =>
      reply.type(metrics.contentType).send(await metrics.text()),
    );
  }

  for (const method of methodNames) {
    app.post(`/api/${method}`, async (request, reply) => {
      const result = await options.api.call(origin(request), method, request.body ?? {});
      keepSession(method, result, reply);
      return sendEnvelope(reply, result);
    });
  }

  // Methods that don't exist answer in the envelope too (and are audited by the dispatcher).
  app.post('/api/*', async (request, reply) => {
    const name = (request.params as { '*': string })['*'];
    return sendEnvelope(reply, await options.api.call(origin(request), name, request.body));
  });

  app.get('/api/events', { websocket: true }, (socket, request) => {
    serveEventsSocket(socket, origin(request), options.api, options.logger.child({ module: 'events' }));
  });

  const rendererDir = options.rendererDir ?? DEFAULT_RENDERER_DIR;
  if (existsSync(resolve(rendererDir, 'index.html'))) {
    await app.register(fastifyStatic, { root: rendererDir, index: 'index.html' });
  } else {
    app.get('/', async (_request, reply) =>
      reply
        .type('text/plain')
        .send('The console UI is not built. Run `npm run build:renderer`, then restart the node.'),
    );
  }

  function keepSession(
    method: string,
    result: Result<unknown>,
    reply: Parameters<typeof setSessionCookie>[0],
  ) {
    if (!result.ok) return;
    if (method === 'auth.login') {
      const token = (result.value as { token?: unknown }).token;
      if (typeof token === 'string') setSessionCookie(reply, token, secureCookies);
    } else if (method === 'auth.logout') {
      clearSessionCookie(reply, secureCookies);
    }
  }

  const address = await app.listen({ host: options.host, port: options.port });
  const url = address.replace('[::1]', 'localhost');
  return {
    url,
    close,
  };
}

function sendEnvelope(
  reply: { code(status: number): { send(body: unknown): unknown } },
  result: Result<unknown>,
) {
  return reply.code(result.ok ? 200 : HTTP_STATUS[result.error.code]).send(result);
}
