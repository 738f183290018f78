import { useCallback, useEffect, useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { Result } from '../../../shared/api/envelope';
import type { NodeHealth } from '../../../shared/api/node';
import { useClient } from '../../app/context';

export interface NodeHealthState {
  readonly health?: NodeHealth;
  /** When the renderer received `health` (ms since epoch), to tell a stale view from a live one. */
  readonly receivedAt?: number;
  /** The last failed one-off check. */
  readonly error?: ApiErrorBody;
  /** `live` once a heartbeat arrived; `stopped` when the node refused or ended the subscription. */
  readonly live: 'waiting' | 'live' | 'stopped';
  readonly liveError?: { code: string; message: string };
}

const withResult = (previous: NodeHealthState, result: Result<NodeHealth>): NodeHealthState =>
  result.ok
    ? { ...previous, health: result.value, receivedAt: Date.now(), error: undefined }
    : { ...previous, error: result.error };

/**
 * The node's health, kept current by the `node.heartbeat` stream. A one-off `node.health` call
 * fills the view at once (the first heartbeat may be seconds away) and stands in when the stream
 * is refused or ends; `refresh` asks again on demand.
 */
export function useNodeHealth(intervalMs: number): NodeHealthState & { refresh: () => void } {
  const client = useClient();
  const [state, setState] = useState<NodeHealthState>({ live: 'waiting' });

  useEffect(() => {
    let current = true;
    setState({ live: 'waiting' });
    const unsubscribe = client.subscribe(
      'node.heartbeat',
      { intervalMs },
      (health) => {
        if (current) setState({ health, receivedAt: Date.now(), live: 'live' });
      },
      (error) => {
        if (current) setState((previous) => ({ ...previous, live: 'stopped', liveError: error }));
      },
    );
    void client.call('node.health', {}).then((result) => {
      if (!current) return;
      // A heartbeat that arrived first is at least as fresh as this answer.
      setState((previous) => (previous.live === 'live' ? previous : withResult(previous, result)));
    });
    return () => {
      current = false;
      unsubscribe();
    };
  }, [client, intervalMs]);

  const refresh = useCallback(() => {
    void client
      .call('node.health', {})
      .then((result) => setState((previous) => withResult(previous, result)));
  }, [client]);

  return { ...state, refresh };
}

/** The current time, re-read every `everyMs`, so "last update" texts age while nothing happens. */
export function useNow(everyMs: number): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    const timer = window.setInterval(() => setNow(Date.now()), everyMs);
    return () => window.clearInterval(timer);
  }, [everyMs]);
  return now;
}
