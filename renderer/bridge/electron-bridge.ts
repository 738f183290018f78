import type { VitalMeshClient } from '../../shared/api/client';
import { describeError, unavailable } from './protocol';

declare global {
  interface Window {
    /** Set by the desktop preload (contextBridge) with exactly the `VitalMeshClient` shape. */
    readonly vitalmesh?: VitalMeshClient;
  }
}

/**
 * The client inside the Electron window: the preload already speaks the contract, so this only
 * turns a failed IPC round trip (a rejected promise) into an envelope, and makes unsubscribing
 * idempotent so a late event never reaches an unmounted screen.
 */
export function createElectronClient(api: VitalMeshClient): VitalMeshClient {
  return {
    async call(method, input) {
      try {
        return await api.call(method, input);
      } catch (error) {
        return unavailable(`the desktop node did not answer ${method} (${describeError(error)})`);
      }
    },

    subscribe(stream, params, onEvent, onError) {
      let active = true;
      const stop = api.subscribe(
        stream,
        params,
        (event) => {
          if (active) onEvent(event);
        },
        (error) => {
          if (active) onError?.(error);
        },
      );
      return () => {
        if (!active) return;
        active = false;
        stop();
      };
    },
  };
}
