import { useEffect, useState } from 'react';
import type { MethodInput, MethodName, MethodOutput } from '../../shared/api/contract';
import type { ApiErrorBody } from '../../shared/api/errors';
import { useClient } from './context';

export interface Polled<T> {
  readonly value?: T;
  /** When the renderer received `value` (ms since epoch), to show how fresh it is. */
  readonly receivedAt?: number;
  /** The last poll's refusal; cleared by the next answer. */
  readonly error?: ApiErrorBody;
}

/**
 * One read of the API, asked again every `intervalMs` while mounted. A failed poll keeps the last
 * value beside its error, so a screen goes on showing what it knew. Each poll is one audited call:
 * choose the interval a person needs, not the rate the figures move at.
 */
export function usePolled<M extends MethodName>(
  method: M,
  input: MethodInput<M>,
  intervalMs: number,
): Polled<MethodOutput<M>> {
  const client = useClient();
  const [state, setState] = useState<Polled<MethodOutput<M>>>({});
  const key = JSON.stringify(input);
  useEffect(() => {
    let current = true;
    const poll = () =>
      void client.call(method, input).then((result) => {
        if (!current) return;
        setState((previous) =>
          result.ok ? { value: result.value, receivedAt: Date.now() } : { ...previous, error: result.error },
        );
      });
    poll();
    const timer = window.setInterval(poll, intervalMs);
    return () => {
      current = false;
      window.clearInterval(timer);
    };
    // `input` is described by `key`: a new object with the same content is the same read.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, method, key, intervalMs]);
  return state;
}
