import type { VitalMeshClient } from '../../shared/api/client';
import type { MethodOutput, StreamEvent } from '../../shared/api/contract';
import type { Result } from '../../shared/api/envelope';
import type { ErrorCode } from '../../shared/api/errors';
import type { EventSocket } from './event-socket';
import { describeError, envelopeSchema, unavailable } from './protocol';

/** The part of `fetch` the bridge uses, so tests can hand in a plain function. */
export type FetchLike = (
  url: string,
  init: {
    method: 'POST';
    headers: Record<string, string>;
    body: string;
    credentials: 'same-origin';
  },
) => Promise<{ status: number; text(): Promise<string> }>;

export interface HttpClientOptions {
  readonly fetch: FetchLike;
  readonly events: EventSocket;
  /** Prefix before `/api`; empty for the console, which serves the renderer and the API together. */
  readonly baseUrl?: string;
}

/** When something other than the node answered (a proxy, a crash page), guess the code from the status. */
const codeForStatus = (status: number): ErrorCode => {
  if (status === 401) return 'unauthenticated';
  if (status === 403) return 'forbidden';
  if (status === 502 || status === 503 || status === 504) return 'unavailable';
  return 'internal';
};

/**
 * The client used in a browser talking to the headless console: `POST /api/<method>` with the
 * input as JSON, events over the shared socket. The session is an HttpOnly cookie the browser
 * sends by itself, so no token is handled here.
 */
export function createHttpClient(options: HttpClientOptions): VitalMeshClient {
  const base = options.baseUrl ?? '';
  return {
    async call(method, input) {
      let status: number;
      let text: string;
      try {
        const response = await options.fetch(`${base}/api/${method}`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(input ?? {}),
          credentials: 'same-origin',
        });
        status = response.status;
        text = await response.text();
      } catch (error) {
        return unavailable(`the node can't be reached (${describeError(error)})`);
      }
      let json: unknown;
      try {
        json = JSON.parse(text);
      } catch {
        json = undefined;
      }
      // The HTTP status mirrors the error, but the envelope is the answer.
      const envelope = envelopeSchema.safeParse(json);
      if (envelope.success) return envelope.data as Result<MethodOutput<typeof method>>;
      return {
        ok: false,
        error: {
          code: codeForStatus(status),
          message: `${method}: the node answered HTTP ${status} without an API envelope`,
        },
      };
    },

    subscribe(stream, params, onEvent, onError) {
      return options.events.subscribe(
        stream,
        params,
        (data) => onEvent(data as StreamEvent<typeof stream>),
        (error) => onError?.(error),
      );
    },
  };
}
