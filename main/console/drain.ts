import type { IncomingMessage, ServerResponse } from 'node:http';
import type { FastifyBaseLogger, FastifyInstance, RawServerDefault } from 'fastify';

/** How long the console's open connections get to finish on their own when it closes. */
export const CONSOLE_CLOSE_GRACE_MS = 2000;

/**
 * A bounded close for the console. Left to themselves, `app.close()` waits for every connection
 * (`server.close()` semantics), and two kinds can hold it far past the node's shutdown deadline:
 *
 * - a keep-alive connection whose request was in flight when closing began: Node reaps only the
 *   connections idle at that moment, so this one stays open after its answer until the keep-alive
 *   timeout (Fastify's default: 72 s);
 * - an event WebSocket whose browser doesn't answer the close frame soon (a renderer busy with a
 *   backlog of live vitals, a frozen tab): ws waits 30 s before it drops the socket, and upgraded
 *   sockets are not among the connections `closeAllConnections()` cuts.
 *
 * So once closing, answers say `Connection: close` (their connection ends after them), and what is
 * still open after `graceMs` is cut: HTTP connections destroyed, WebSockets terminated.
 */
export function drainOnClose<L extends FastifyBaseLogger>(
  app: FastifyInstance<RawServerDefault, IncomingMessage, ServerResponse, L>,
  graceMs = CONSOLE_CLOSE_GRACE_MS,
): () => Promise<void> {
  let closing = false;
  app.addHook('onSend', async (request, reply, payload) => {
    if (closing && request.raw.httpVersionMajor < 2) reply.header('connection', 'close');
    return payload;
  });
  let closed: Promise<void> | undefined;
  return () => {
    closing = true;
    closed ??= (async () => {
      const cut = setTimeout(() => {
        for (const client of app.websocketServer.clients) client.terminate();
        app.server.closeAllConnections();
      }, graceMs);
      try {
        await app.close();
      } finally {
        clearTimeout(cut);
      }
    })();
    return closed;
  };
}
