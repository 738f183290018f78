import { createContext, useContext, type ReactNode } from 'react';
import { useStore } from 'zustand';
import type { VitalMeshClient } from '../../shared/api/client';
import type { AppState, AppStore } from './store';

const ClientContext = createContext<VitalMeshClient | undefined>(undefined);
const StoreContext = createContext<AppStore | undefined>(undefined);

/** Hands the node client and the app store to every screen below it. */
export function AppProviders(props: { client: VitalMeshClient; store: AppStore; children: ReactNode }) {
  return (
    <ClientContext.Provider value={props.client}>
      <StoreContext.Provider value={props.store}>{props.children}</StoreContext.Provider>
    </ClientContext.Provider>
  );
}

export function useClient(): VitalMeshClient {
  const client = useContext(ClientContext);
  if (!client) throw new Error('useClient must be used inside <AppProviders>');
  return client;
}

export function useAppStore(): AppStore {
  const store = useContext(StoreContext);
  if (!store) throw new Error('useAppStore must be used inside <AppProviders>');
  return store;
}

export function useAppState<T>(selector: (state: AppState) => T): T {
  return useStore(useAppStore(), selector);
}
