import type { VitalMeshClient } from '../../shared/api/client';
import type {
  MethodInput,
  MethodName,
  MethodOutput,
  StreamEvent,
  StreamName,
  StreamParams,
} from '../../shared/api/contract';
import type { Result } from '../../shared/api/envelope';

type Answers = {
  [M in MethodName]?: (input: MethodInput<M>) => Result<MethodOutput<M>> | Promise<Result<MethodOutput<M>>>;
};

interface FakeSubscription {
  readonly stream: StreamName;
  readonly params: unknown;
  readonly onEvent: (event: never) => void;
  readonly onError?: ((error: { code: string; message: string }) => void) | undefined;
  active: boolean;
}

/**
 * A stand-in node at the renderer's boundary (the `VitalMeshClient` interface): answers calls from
 * the given table, records calls and subscriptions, and lets a test push stream events.
 */
export function createFakeClient(answers: Answers) {
  const calls: { method: MethodName; input: unknown }[] = [];
  const subscriptions: FakeSubscription[] = [];

  const client: VitalMeshClient = {
    async call<M extends MethodName>(method: M, input: MethodInput<M>): Promise<Result<MethodOutput<M>>> {
      calls.push({ method, input });
      const answer = answers[method];
      if (!answer)
        return { ok: false, error: { code: 'unknown_method', message: `no fake answer for ${method}` } };
      return answer(input);
    },
    subscribe<S extends StreamName>(
      stream: S,
      params: StreamParams<S>,
      onEvent: (event: StreamEvent<S>) => void,
      onError?: (error: { code: string; message: string }) => void,
    ) {
      const subscription: FakeSubscription = { stream, params, onEvent, onError, active: true };
      subscriptions.push(subscription);
      return () => {
        subscription.active = false;
      };
    },
  };

  const active = (stream: StreamName) => subscriptions.filter((s) => s.active && s.stream === stream);

  return {
    client,
    calls,
    subscriptions,
    active,
    emit<S extends StreamName>(stream: S, event: StreamEvent<S>) {
      for (const subscription of active(stream))
        (subscription.onEvent as (event: StreamEvent<S>) => void)(event);
    },
    fail(stream: StreamName, error: { code: string; message: string }) {
      for (const subscription of active(stream)) {
        subscription.active = false;
        subscription.onError?.(error);
      }
    },
  };
}
