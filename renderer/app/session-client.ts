import type { VitalMeshClient } from '../../shared/api/client';
import type { MethodName } from '../../shared/api/contract';

/** Calls that answer `unauthenticated` as part of their job (a wrong password), not a lost session. */
const SESSION_FREE: ReadonlySet<MethodName> = new Set<MethodName>(['auth.login', 'auth.status', 'node.info']);

export interface WatchedClient extends VitalMeshClient {
  /** When the renderer last asked the node anything (ms since epoch), for the idle watch. */
  lastCallAt(): number;
}

/**
 * Wraps the bridge so that a session ending anywhere (idle or absolute expiry, IT disabling the
 * account, a logout in another tab) is noticed by whichever call or stream hears it first, and the
 * app goes back to the login page instead of showing "log in first" on every panel.
 */
export function watchSession(
  client: VitalMeshClient,
  onLost: (error: { code: string; message: string }) => void,
): WatchedClient {
  let lastCallAt = Date.now();
  return {
    lastCallAt: () => lastCallAt,
    async call(method, input) {
      lastCallAt = Date.now();
      const result = await client.call(method, input);
      if (!result.ok && result.error.code === 'unauthenticated' && !SESSION_FREE.has(method)) {
        onLost(result.error);
      }
      return result;
    },
    subscribe(stream, params, onEvent, onError) {
      return client.subscribe(stream, params, onEvent, (error) => {
        if (error.code === 'unauthenticated') onLost(error);
        onError?.(error);
      });
    },
  };
}

/** What the login page says about a session that ended under the user. */
export function sessionEndedNotice(error: { message: string }): string {
  return /expired/i.test(error.message)
    ? 'Your session expired. Log in again to continue.'
    : 'Your session ended (logged out elsewhere, or your account was changed by facility IT). Log in again to continue.';
}
