import { z } from 'zod';
import type { ApiErrorBody } from '../../shared/api/errors';
import { ERROR_CODES } from '../../shared/api/errors';

/**
 * The wire shapes the renderer reads from the node (HTTP envelopes and event-socket messages).
 * Only the framing is checked here: the node already parses every output through the contract
 * before sending it, and re-parsing values here would break on schemas that transform.
 */
export const errorBodySchema = z.object({
  // A code from a newer node still shows its message instead of failing the whole answer.
  code: z.enum(ERROR_CODES).catch('internal'),
  message: z.string(),
  issues: z.array(z.object({ path: z.string(), message: z.string() })).optional(),
});

export const envelopeSchema = z.discriminatedUnion('ok', [
  z.object({ ok: z.literal(true), value: z.unknown() }),
  z.object({ ok: z.literal(false), error: errorBodySchema }),
]);

/** What the node sends on /api/events. `id` is null on an error about a malformed message. */
export const serverMessageSchema = z.discriminatedUnion('op', [
  z.object({ op: z.literal('subscribed'), id: z.string() }),
  z.object({ op: z.literal('event'), id: z.string(), data: z.unknown() }),
  z.object({ op: z.literal('error'), id: z.string().nullable().optional(), error: errorBodySchema }),
  z.object({ op: z.literal('closed'), id: z.string() }),
]);
export type ServerMessage = z.infer<typeof serverMessageSchema>;

/** What the renderer sends on /api/events. */
export type ClientMessage =
  { op: 'subscribe'; id: string; stream: string; params: unknown } | { op: 'unsubscribe'; id: string };

export const unavailable = (message: string): { ok: false; error: ApiErrorBody } => ({
  ok: false,
  error: { code: 'unavailable', message },
});

export const describeError = (error: unknown): string =>
  error instanceof Error ? error.message : typeof error === 'string' ? error : 'unknown error';
