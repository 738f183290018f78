import { useCallback, useEffect, useState } from 'react';
import type { MethodInput, MethodName, MethodOutput } from '../../../shared/api/contract';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { useClient } from '../../app/context';
import { formatDateTime } from '../../format/time';

export interface Loaded<T> {
  readonly value?: T;
  readonly error?: ApiErrorBody;
  readonly reload: () => void;
}

/** One read of the API, again whenever `key` changes or reload() is called. */
export function useLoad<M extends MethodName>(
  method: M,
  input: MethodInput<M>,
  key = '',
): Loaded<MethodOutput<M>> {
  const client = useClient();
  const [state, setState] = useState<{ value?: MethodOutput<M>; error?: ApiErrorBody }>({});
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  useEffect(() => {
    let live = true;
    void client.call(method, input).then((r) => {
      if (!live) return;
      setState(r.ok ? { value: r.value } : { error: r.error });
    });
    return () => {
      live = false;
    };
    // `input` is described by `key`: callers pass what makes it differ.
    // eslint-disable-next-line react-hooks/exhaustive-deps
  }, [client, method, key, tick]);
  return { ...state, reload };
}

/** An action's state: running, and the error the node refused it with. */
export function useAction() {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const run = useCallback(
    async <M extends MethodName>(method: M, input: MethodInput<M>): Promise<MethodOutput<M> | undefined> => {
      setBusy(true);
      setError(undefined);
      const r = await client.call(method, input);
      setBusy(false);
      if (!r.ok) {
        setError(r.error);
        return undefined;
      }
      return r.value;
    },
    [client],
  );
  return { busy, error, run, clear: () => setError(undefined) };
}

const DAY_MS = 86_400_000;

/**
 * An agreement's start or end. The draft form sets them at 00:00 UTC of the chosen day, so both
 * facilities, in whatever zones, read the same day: such an instant reads as that UTC date
 * ("2026-12-03 UTC", not a local "01:00:00" on a Berlin node). Any other instant (set through the
 * API) reads in the app's local date and time.
 */
export const whenDay = (ms: number): string =>
  ms % DAY_MS === 0 ? `${new Date(ms).toISOString().slice(0, 10)} UTC` : formatDateTime(ms);

/**
 * A released cell as people read it: timestamps (epoch ms, shifted or truncated) as UTC ISO, not
 * in the app's local form, because the release truncates in UTC (a day starts at 00:00Z) and the
 * column is documented as UTC: in local time a truncated day would read as another day's hour.
 */
export const cellText = (column: string | undefined, v: string | number | null): string => {
  if (v === null) return '—';
  if (column === 'time' && typeof v === 'number') return new Date(v).toISOString().replace('.000Z', 'Z');
  return String(v);
};
