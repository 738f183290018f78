import { useState } from 'react';
import { ROLE_LABELS } from '../../../shared/roles';
import { useAppState, useAppStore, useClient } from '../../app/context';

/**
 * Who is logged in, as what, and the way out. Logging out ends the session on the node first; the
 * app returns to the login page even if that call fails (the session then simply runs out).
 */
export function UserMenu() {
  const client = useClient();
  const store = useAppStore();
  const user = useAppState((state) => state.session.user);
  const [busy, setBusy] = useState(false);
  if (!user) return null;

  const logout = async () => {
    setBusy(true);
    const result = await client.call('auth.logout', {});
    store.getState().setSession({
      notice: result.ok
        ? 'You logged out.'
        : `You logged out here; the node could not confirm it (${result.error.message}). The session ends by itself when it times out.`,
    });
  };

  return (
    <section className="user-menu" aria-label="Your account">
      {/* No-break spaces: the role wraps as a whole ("Facility" / "IT" read as two things). */}
      <p className="session-note">{`${user.displayName} ·\u00a0${ROLE_LABELS[user.role].replace(/ /g, '\u00a0')}`}</p>
      <p className="user-menu__username">{user.username}</p>
      <button type="button" className="user-menu__logout" disabled={busy} onClick={() => void logout()}>
        {busy ? 'Logging out…' : 'Log out'}
      </button>
    </section>
  );
}
