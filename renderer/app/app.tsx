import { useEffect, useMemo, useState, type ReactNode } from 'react';
import type { VitalMeshClient } from '../../shared/api/client';
import { LoginGate } from '../features/auth/login-gate';
import { AppProviders, useAppStore, useClient } from './context';
import { parseHash } from './routes';
import { sessionEndedNotice, watchSession } from './session-client';
import { Shell } from './shell';
import { useHashRouting } from './use-hash-routing';
import { createAppStore, type AppStore } from './store';

/**
 * The renderer's root. The login gate sits between `AppRuntime` and `Shell`: it renders the login
 * page or the shell from the store's `session`. Every call goes through `watchSession`, so a
 * session that ends under the user (expiry, IT disabling them) brings the login page back.
 */
export function App(props: { client: VitalMeshClient; store?: AppStore }) {
  const [store] = useState(() => props.store ?? createAppStore({ route: parseHash(window.location.hash) }));
  const client = useMemo(
    () =>
      watchSession(props.client, (error) => {
        const state = store.getState();
        if (state.session.user) state.setSession({ notice: sessionEndedNotice(error) });
      }),
    [props.client, store],
  );
  return (
    <AppProviders client={client} store={store}>
      <AppRuntime>
        <LoginGate client={client}>
          <Shell />
        </LoginGate>
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
