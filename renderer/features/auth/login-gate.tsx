import { useEffect, useState, type ReactNode } from 'react';
import { useAppState, useAppStore } from '../../app/context';
import type { WatchedClient } from '../../app/session-client';
import { LoginPage } from './login-page';

/** How often the idle watch looks; a minute of lag on a 30-minute timeout is fine. */
export const IDLE_CHECK_MS = 15_000;

/**
 * Shows the app to a logged-in user and the login page to everyone else. On start it asks the
 * node whether the browser already holds a session (a reload keeps its cookie). While logged in,
 * an idle watch asks `auth.me` once the session should have run out with nobody calling, so an
 * unattended screen returns to the login page instead of keeping patient data up.
 */
export function LoginGate(props: { client: WatchedClient; children: ReactNode }) {
  const { client } = props;
  const store = useAppStore();
  const user = useAppState((state) => state.session.user);
  const idleTimeoutSeconds = useAppState((state) => state.session.idleTimeoutSeconds);
  const expiresAt = useAppState((state) => state.session.expiresAt);
  const [checked, setChecked] = useState(user !== undefined);

  useEffect(() => {
    if (checked) return;
    let current = true;
    void client.call('auth.me', {}).then((result) => {
      if (!current) return;
      if (result.ok) {
        const { username, displayName, role, idleTimeoutSeconds: idle } = result.value;
        store.getState().setSession({ user: { username, displayName, role }, idleTimeoutSeconds: idle });
      }
      setChecked(true);
    });
    return () => {
      current = false;
    };
  }, [checked, client, store]);

  useEffect(() => {
    if (!user || idleTimeoutSeconds === undefined) return;
    const absolute = expiresAt === undefined ? Infinity : Date.parse(expiresAt);
    const timer = setInterval(() => {
      const now = Date.now();
      // auth.me answering `unauthenticated` sends the app to the login page (watchSession).
      if (now - client.lastCallAt() > idleTimeoutSeconds * 1000 || now >= absolute) {
        void client.call('auth.me', {});
      }
    }, IDLE_CHECK_MS);
    return () => clearInterval(timer);
  }, [client, user, idleTimeoutSeconds, expiresAt]);

  if (user) return props.children;
  if (!checked) {
    return (
      <p className="muted gate-status" role="status">
        Checking your session…
      </p>
    );
  }
  return <LoginPage />;
}
