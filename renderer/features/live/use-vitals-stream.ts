import { useEffect, useState } from 'react';
import type { StreamName, StreamParams } from '../../../shared/api/contract';
import { useClient } from '../../app/context';
import { applyEvent, createLiveModelStore, type LiveModelStore } from './live-model';

type VitalsStream = Extract<StreamName, 'vitals.unit' | 'vitals.patient'>;

/**
 * Subscribes to a vitals stream for as long as the component shows it, and keeps a model store
 * current from its events. `params` null: nothing to watch yet (no unit chosen).
 */
export function useVitalsStream<S extends VitalsStream>(
  stream: S,
  params: StreamParams<S> | null,
): LiveModelStore {
  const client = useClient();
  const [store] = useState(createLiveModelStore);
  const key = params === null ? null : JSON.stringify(params);
  useEffect(() => {
    if (key === null) return;
    store.setState({ status: 'connecting', error: undefined });
    const unsubscribe = client.subscribe(
      stream,
      JSON.parse(key) as StreamParams<S>,
      (event) => store.setState((model) => applyEvent(model, event)),
      (error) => store.setState({ status: 'stopped', error }),
    );
    return unsubscribe;
  }, [client, store, stream, key]);
  return store;
}
