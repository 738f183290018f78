import type { z } from 'zod';
import {
  isMethodName,
  isStreamName,
  methods,
  streams,
  type MethodName,
  type MethodOutput,
  type MethodParsedInput,
  type StreamEvent,
  type StreamName,
  type StreamParsedParams,
} from '../../shared/api/contract';
import { fail, ok, type Result } from '../../shared/api/envelope';
import { ApiError, type ApiErrorBody } from '../../shared/api/errors';
import { METHOD_ACCESS, STREAM_ACCESS, mayCall, type Access } from '../../shared/permissions';
import type { Logger } from '../log/logger';
import type { AuditNote, CallOrigin, HandlerContext, Principal } from './context';

export type MethodHandler<M extends MethodName> = (
  input: MethodParsedInput<M>,
  ctx: HandlerContext,
) => MethodOutput<M> | Promise<MethodOutput<M>>;

export type Handlers = { [M in MethodName]: MethodHandler<M> };

/** Starts a subscription; returns the function that ends it. */
export type StreamHandler<S extends StreamName> = (
  params: StreamParsedParams<S>,
  ctx: HandlerContext,
  emit: (event: StreamEvent<S>) => void,
) => (() => void) | Promise<() => void>;

export type StreamHandlers = { [S in StreamName]: StreamHandler<S> };

/** Resolves a presented token to a principal; `expired` lets the answer say why. */
export type Authenticate = (token: string | undefined) => Principal | 'expired' | undefined;

/** One finished call, as the audit chain records it. */
export interface CallRecord extends AuditNote {
  readonly action: string;
  readonly origin: CallOrigin;
  readonly principal: Principal | undefined;
  readonly outcome: 'ok' | ApiErrorBody['code'];
}

export interface DispatcherDeps {
  readonly handlers: Handlers;
  readonly streamHandlers: StreamHandlers;
  readonly logger: Logger;
  readonly authenticate: Authenticate;
  /** Appends the call's audit entry. Called for every call, allowed or not. */
  readonly record: (record: CallRecord) => void;
}

/** The node's API as hosts see it: untyped names and inputs in, envelopes out. */
export interface Api {
  call(origin: CallOrigin, method: string, input: unknown): Promise<Result<unknown>>;
  subscribe(
    origin: CallOrigin,
    stream: string,
    params: unknown,
    emit: (event: unknown) => void,
  ): Promise<Result<{ close: () => void }>>;
  /**
   * A request the host refused before it became a call (malformed JSON, oversized body): answered
   * with the given error and audited like any call, so probing leaves a trace too.
   */
  reject?(origin: CallOrigin, action: string, error: ApiErrorBody): Result<never>;
}

/**
 * The one place where calls are checked: the session is resolved, the permission matrix applied,
 * the input validated against the contract, the handler run, and the call audited. Hosts never
 * repeat any of it.
 */
export function createDispatcher(deps: DispatcherDeps): Api {
  const { logger } = deps;

  async function run<T>(
    origin: CallOrigin,
    action: string,
    access: Access | undefined,
    schema: z.ZodType | undefined,
    raw: unknown,
    body: (input: unknown, ctx: HandlerContext) => Promise<T>,
  ): Promise<Result<T>> {
    const note: AuditNote = {};
    let principal: Principal | undefined;
    const finish = (result: Result<T>): Result<T> => {
      deps.record({
        ...note,
        action,
        origin,
        principal,
        outcome: result.ok ? 'ok' : result.error.code,
      });
      return result;
    };
    try {
      if (access === undefined || schema === undefined) {
        throw new ApiError('unknown_method', `there is no API method named "${action}"`);
      }
      const resolved = deps.authenticate(origin.token);
      principal = resolved === 'expired' ? undefined : resolved;
      if (access !== 'public') {
        if (resolved === 'expired')
          throw new ApiError('unauthenticated', 'your session has expired; log in again');
        if (!principal) throw new ApiError('unauthenticated', 'log in first');
        if (!mayCall(access, principal.role)) {
          throw new ApiError('forbidden', `the role ${principal.role} may not call ${action}`);
        }
      }
      const parsed = schema.safeParse(raw ?? {});
      if (!parsed.success) {
        throw new ApiError(
          'bad_request',
          `invalid input for ${action}: ` +
            parsed.error.issues.map((i) => `${i.path.join('.') || '(input)'}: ${i.message}`).join('; '),
          parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
        );
      }
      const value = await body(parsed.data, { origin, principal, audit: note });
      return finish(ok(value));
    } catch (error) {
      if (error instanceof ApiError) return finish(fail(error.toBody()));
      logger.error({ err: error, action }, 'API handler failed');
      return finish(fail({ code: 'internal', message: `${action} failed inside the node; see its log` }));
    }
  }

  return {
    reject(origin, action, error) {
      const resolved = deps.authenticate(origin.token);
      deps.record({
        action,
        origin,
        principal: resolved === 'expired' ? undefined : resolved,
        outcome: error.code,
        details: { refusedBy: origin.host },
      });
      return fail(error);
    },

    call(origin, method, input) {
      const known = isMethodName(method);
      return run(
        origin,
        method,
        known ? METHOD_ACCESS[method] : undefined,
        known ? methods[method].input : undefined,
        input,
        async (parsed, ctx) => {
          const handler = deps.handlers[method as MethodName] as MethodHandler<MethodName>;
          const value = await handler(parsed as never, ctx);
          // Outputs go through the contract too: a field it doesn't declare (a password hash, a
          // raw identifier) is dropped, and a wrong type fails loudly instead of being sent.
          return methods[method as MethodName].output.parse(value);
        },
      );
    },

    subscribe(origin, name, params, emit) {
      const known = isStreamName(name);
      return run(
        origin,
        `${name}.subscribe`,
        known ? STREAM_ACCESS[name] : undefined,
        known ? streams[name].params : undefined,
        params,
        async (parsed, ctx) => {
          const handler = deps.streamHandlers[name as StreamName];
          const close = await handler(parsed as never, ctx, emit);
          return { close };
        },
      );
    },
  };
}
