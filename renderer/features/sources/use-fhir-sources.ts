import { useCallback, useEffect, useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type {
  FhirSourceAddInput,
  FhirSourceView,
  FhirSyncProgress,
  FhirSyncResult,
} from '../../../shared/api/fhir';
import type { Result } from '../../../shared/api/envelope';
import { useClient } from '../../app/context';

export interface FhirSourcesState {
  readonly sources?: FhirSourceView[];
  readonly error?: ApiErrorBody;
  /** The latest progress event per source while (and just after) it runs. */
  readonly progress: Readonly<Record<number, FhirSyncProgress>>;
  /** The answer of the last sync IT started here, per source. */
  readonly results: Readonly<Record<number, Result<FhirSyncResult>>>;
}

/**
 * The FHIR sources and their running syncs: `fhir.sources.list` for the configuration and last
 * runs, the `fhir.syncProgress` stream for runs in progress (whoever started them), and the
 * actions IT takes.
 */
export function useFhirSources() {
  const client = useClient();
  const [state, setState] = useState<FhirSourcesState>({ progress: {}, results: {} });

  const refresh = useCallback(() => {
    void client
      .call('fhir.sources.list', {})
      .then((result) =>
        setState((s) =>
          result.ok
            ? { ...s, sources: result.value.sources, error: undefined }
            : { ...s, error: result.error },
        ),
      );
  }, [client]);

  useEffect(() => {
    refresh();
    return client.subscribe('fhir.syncProgress', {}, (event) => {
      setState((s) => ({ ...s, progress: { ...s.progress, [event.sourceId]: event } }));
      // A finished run changed the source's state and counts.
      if (event.phase === 'finished') refresh();
    });
  }, [client, refresh]);

  const sync = useCallback(
    async (sourceId: number) => {
      const result = await client.call('fhir.sync', { sourceId });
      setState((s) => ({ ...s, results: { ...s.results, [sourceId]: result } }));
      refresh();
      return result;
    },
    [client, refresh],
  );

  const add = useCallback(
    async (input: FhirSourceAddInput) => {
      const result = await client.call('fhir.sources.add', input);
      if (result.ok) refresh();
      return result;
    },
    [client, refresh],
  );

  const remove = useCallback(
    async (id: number) => {
      const result = await client.call('fhir.sources.remove', { id });
      refresh();
      return result;
    },
    [client, refresh],
  );

  const setEnabled = useCallback(
    async (id: number, enabled: boolean) => {
      const result = await client.call('fhir.sources.update', { id, enabled });
      refresh();
      return result;
    },
    [client, refresh],
  );

  return { ...state, refresh, sync, add, remove, setEnabled };
}
