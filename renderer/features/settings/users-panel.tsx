import { useCallback, useEffect, useState } from 'react';
import type { UserRecord } from '../../../shared/api/auth';
import { ROLE_LABELS } from '../../../shared/roles';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useAppState, useClient } from '../../app/context';
import type { Loadable } from '../../app/store';
import { formatDate, formatClock, formatDateTime } from '../../format/time';
import { UsersAddForm } from './users-add-form';
import { UsersEditor } from './users-editor';
import '../../components/dense-table.css';
import '../../components/form.css';
import './users.css';

/** Settings → Users: facility IT gives each person the access their job needs, and takes it away. */
export function UsersPanel() {
  const client = useClient();
  const me = useAppState((state) => state.session.user?.username);
  const [users, setUsers] = useState<Loadable<UserRecord[]>>({ state: 'loading' });
  const [selected, setSelected] = useState<number | undefined>();
  const [adding, setAdding] = useState(false);
  const [message, setMessage] = useState<string | undefined>();

  const load = useCallback(async () => {
    const result = await client.call('users.list', {});
    setUsers(result.ok ? { state: 'ready', value: result.value } : { state: 'error', error: result.error });
  }, [client]);

  useEffect(() => {
    void load();
  }, [load]);

  const replace = (user: UserRecord, text: string) => {
    setUsers((previous) =>
      previous.state === 'ready'
        ? { state: 'ready', value: previous.value.map((u) => (u.id === user.id ? user : u)) }
        : previous,
    );
    setMessage(text);
  };

  if (users.state === 'loading') {
    return (
      <p className="muted" role="status">
        Loading users…
      </p>
    );
  }
  if (users.state === 'error') return <ApiErrorAlert error={users.error} what="the users" />;
  const current = users.value.find((u) => u.id === selected);

  return (
    <section className="users" aria-labelledby="users-title">
      <div className="users__head">
        <h2 id="users-title" className="users__title">
          Users <span className="muted">({users.value.length})</span>
        </h2>
        {!adding ? (
          <button type="button" className="button button--primary" onClick={() => setAdding(true)}>
            Add user
          </button>
        ) : null}
      </div>
      <p className="users__message" role="status">
        {message ?? ''}
      </p>
      {adding ? (
        <UsersAddForm
          onCancel={() => setAdding(false)}
          onAdded={(user) => {
            setAdding(false);
            setUsers((previous) =>
              previous.state === 'ready'
                ? {
                    state: 'ready',
                    value: [...previous.value, user].sort((a, b) => a.username.localeCompare(b.username)),
                  }
                : previous,
            );
            setMessage(`Added ${user.username} (${ROLE_LABELS[user.role]}). They can log in now.`);
          }}
        />
      ) : null}
      <table className="dense-table users__table">
        <thead>
          <tr>
            <th scope="col">Username</th>
            <th scope="col">Name</th>
            <th scope="col">Role</th>
            <th scope="col">Units</th>
            <th scope="col">Status</th>
            <th scope="col" className="cell-num">
              Sessions
            </th>
            <th scope="col">Created</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {users.value.map((user) => (
            <tr
              key={user.id}
              aria-selected={user.id === selected}
              className={user.disabledAt ? 'is-muted' : undefined}
            >
              <td className="cell-mono">{user.username}</td>
              <td>{user.displayName}</td>
              <td>{ROLE_LABELS[user.role]}</td>
              <td>{user.units.length > 0 ? user.units.join(', ') : <span className="muted">—</span>}</td>
              <td>
                <UserStatus user={user} />
              </td>
              <td className="cell-num">{user.activeSessions}</td>
              <td className="cell-nowrap" title={formatDateTime(user.createdAt)}>
                {formatDate(user.createdAt)}
              </td>
              <td>
                <button
                  type="button"
                  className="button button--small"
                  aria-expanded={user.id === selected}
                  aria-label={`Manage ${user.username}`}
                  onClick={() => setSelected(user.id === selected ? undefined : user.id)}
                >
                  {user.id === selected ? 'Close' : 'Manage'}
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {current ? (
        <UsersEditor key={current.id} user={current} isSelf={current.username === me} onChanged={replace} />
      ) : null}
    </section>
  );
}

function UserStatus(props: { user: UserRecord }) {
  const { user } = props;
  if (user.disabledAt) return <span className="badge badge--muted">Disabled</span>;
  if (user.lockedUntil) {
    return (
      <span className="badge badge--warn" title={`Locked until ${formatDateTime(user.lockedUntil)}`}>
        Locked until {formatClock(user.lockedUntil)}
      </span>
    );
  }
  return <span className="badge badge--ok">Active</span>;
}
