import type { VitalMeshClient } from '../../shared/api/client';
import { createElectronClient } from './electron-bridge';
import { browserSocket, createEventSocket } from './event-socket';
import { createHttpClient, type FetchLike } from './http-bridge';

/** What `pickBridge` needs from the window; tests pass a plain object. */
export interface BridgeHost {
  readonly vitalmesh?: VitalMeshClient | undefined;
  readonly fetch: FetchLike;
  readonly location: { readonly protocol: string; readonly host: string };
  readonly WebSocket: typeof WebSocket;
}

/** The events socket is on the same origin as the page, encrypted when the page is. */
export const eventsUrl = (location: BridgeHost['location']): string =>
  `${location.protocol === 'https:' ? 'wss:' : 'ws:'}//${location.host}/api/events`;

/** The renderer never knows its host: Electron when the preload exposed the API, else HTTP. */
export function pickBridge(host: BridgeHost): VitalMeshClient {
  if (host.vitalmesh) return createElectronClient(host.vitalmesh);
  return createHttpClient({
    fetch: (url, init) => host.fetch(url, init),
    events: createEventSocket({ connect: browserSocket(eventsUrl(host.location), host.WebSocket) }),
  });
}
