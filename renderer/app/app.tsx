import { useEffect, useState, type ReactNode } from 'react';
import type { VitalMeshClient } from '../../shared/api/client';
import { AppProviders, useAppStore, useClient } from './context';
import { parseHash } from './routes';
import { Shell } from './shell';
import { useHashRouting } from './use-hash-routing';
import { createAppStore, type AppStore } from './store';

/**
 * The renderer's root. A login gate (a later issue) goes between `AppRuntime` and `Shell`: it
 * reads `session` from the store and renders the login page or the shell.
 */
export function App(props: { client: VitalMeshClient; store?: AppStore }) {
  const [store] = useState(() => props.store ?? createAppStore({ route: parseHash(window.location.hash) }));
  return (
    <AppProviders client={props.client} store={store}>
      <AppRuntime>
        <Shell />
      </AppRuntime>
    </AppProviders>
  );
}

/** What runs whether or not someone is logged in: routing, and the node's public identity. */
function AppRuntime(props: { children: ReactNode }) {
  const store = useAppStore();
  const client = useClient();
  useHashRouting(store);
  useEffect(() => {
    let current = true;
    void client.call('node.info', {}).then((result) => {
      if (!current) return;
      store
        .getState()
        .setNodeInfo(
          result.ok ? { state: 'ready', value: result.value } : { state: 'error', error: result.error },
        );
    });
    return () => {
      current = false;
    };
  }, [client, store]);
  return props.children;
}
