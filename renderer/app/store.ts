import { createStore, type StoreApi } from 'zustand/vanilla';
import type { ApiErrorBody } from '../../shared/api/errors';
import type { NodeInfo } from '../../shared/api/node';
import type { Role } from '../../shared/roles';
import { DEFAULT_ROUTE, type Route } from './routes';

/** Something fetched from the node: not yet there, there, or failed with the node's error. */
export type Loadable<T> =
  { state: 'loading' } | { state: 'ready'; value: T } | { state: 'error'; error: ApiErrorBody };

export interface SessionUser {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
}

/**
 * Who is logged in, filled in by the login gate. Without a user the gate shows the login page;
 * `notice` says why the last session ended (expired, logged out), so the page can say so.
 */
export interface Session {
  readonly user?: SessionUser;
  readonly notice?: string;
  /** From auth.login / auth.me, for the idle watch that notices an expiry while nobody clicks. */
  readonly idleTimeoutSeconds?: number;
  readonly expiresAt?: string;
}

export interface AppState {
  readonly route: Route;
  readonly nodeInfo: Loadable<NodeInfo>;
  readonly session: Session;
  setRoute(route: Route): void;
  setNodeInfo(nodeInfo: Loadable<NodeInfo>): void;
  setSession(session: Session): void;
}

export type AppStore = StoreApi<AppState>;

/** One store per mounted app (not a module global), so tests and a future auth gate get their own. */
export function createAppStore(initial: { route?: Route; session?: Session } = {}): AppStore {
  return createStore<AppState>()((set) => ({
    route: initial.route ?? DEFAULT_ROUTE,
    nodeInfo: { state: 'loading' },
    session: initial.session ?? {},
    setRoute: (route) => set({ route }),
    setNodeInfo: (nodeInfo) => set({ nodeInfo }),
    setSession: (session) => set({ session }),
  }));
}
