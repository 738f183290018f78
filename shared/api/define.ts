import type { z } from 'zod';

/**
 * One request/response method of the contract. The schema objects are also the runtime
 * manifest: hosts build their routes, IPC channels and clients by iterating them.
 */
export interface MethodSpec<I extends z.ZodType = z.ZodType, O extends z.ZodType = z.ZodType> {
  readonly kind: 'method';
  readonly input: I;
  readonly output: O;
  readonly summary: string;
}

/** A subscription: the caller gives params once and then receives events until it stops. */
export interface StreamSpec<P extends z.ZodType = z.ZodType, E extends z.ZodType = z.ZodType> {
  readonly kind: 'stream';
  readonly params: P;
  readonly event: E;
  readonly summary: string;
}

export const method = <I extends z.ZodType, O extends z.ZodType>(
  summary: string,
  input: I,
  output: O,
): MethodSpec<I, O> => ({ kind: 'method', input, output, summary });

export const stream = <P extends z.ZodType, E extends z.ZodType>(
  summary: string,
  params: P,
  event: E,
): StreamSpec<P, E> => ({ kind: 'stream', params, event, summary });
