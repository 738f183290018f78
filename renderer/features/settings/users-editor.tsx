import { useState, type FormEvent } from 'react';
import type { UserRecord } from '../../../shared/api/auth';
import type { Result } from '../../../shared/api/envelope';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { ROLES, ROLE_LABELS, type Role } from '../../../shared/roles';
import { ActionError } from '../../components/action-error';
import { Field } from '../../components/field';
import { fieldErrors, parseList } from '../../components/field-errors';
import { useClient } from '../../app/context';
import { PASSWORD_RULE } from './users-add-form';

type Action = 'role' | 'units' | 'password' | 'access';

/**
 * One account's changes, each its own small form with its own answer: role, units, a new
 * password, and disabling or enabling. Every change is a separate, audited call.
 */
export function UsersEditor(props: {
  user: UserRecord;
  isSelf: boolean;
  onChanged: (user: UserRecord, message: string) => void;
}) {
  const { user } = props;
  const client = useClient();
  const [role, setRole] = useState<Role>(user.role);
  const [units, setUnits] = useState(user.units.join(', '));
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState<Action | undefined>();
  const [errors, setErrors] = useState<Partial<Record<Action, ApiErrorBody>>>({});

  const run = async (
    action: Action,
    call: () => Promise<Result<UserRecord>>,
    message: (u: UserRecord) => string,
  ) => {
    setBusy(action);
    const result = await call();
    setBusy(undefined);
    setErrors((previous) => ({ ...previous, [action]: result.ok ? undefined : result.error }));
    if (result.ok) props.onChanged(result.value, message(result.value));
    return result.ok;
  };

  const changeRole = (event: FormEvent) => {
    event.preventDefault();
    void run(
      'role',
      () => client.call('users.setRole', { userId: user.id, role }),
      (u) => `${u.username} is now ${ROLE_LABELS[u.role]}; it takes effect on their next call.`,
    );
  };
  const saveUnits = (event: FormEvent) => {
    event.preventDefault();
    void run(
      'units',
      () => client.call('users.setUnits', { userId: user.id, units: parseList(units) }),
      (u) => `${u.username}'s units: ${u.units.length > 0 ? u.units.join(', ') : 'none'}.`,
    );
  };
  const resetPassword = async (event: FormEvent) => {
    event.preventDefault();
    const done = await run(
      'password',
      () => client.call('users.resetPassword', { userId: user.id, password }),
      (u) => `New password set for ${u.username}; their open sessions ended.`,
    );
    if (done) setPassword('');
  };
  const toggleAccess = () => {
    const disabling = user.disabledAt === null;
    void run(
      'access',
      () => client.call(disabling ? 'users.disable' : 'users.enable', { userId: user.id }),
      (u) =>
        disabling ? `${u.username} is disabled; their sessions ended.` : `${u.username} is enabled again.`,
    );
  };

  const passwordErrors = fieldErrors(errors.password, ['password']);
  return (
    <section className="users-editor" aria-labelledby="users-editor-title">
      <h3 id="users-editor-title" className="users-form__title">
        Manage {user.username}
        <span className="muted"> · {user.displayName}</span>
      </h3>
      <div className="users-editor__grid">
        <form className="users-editor__part" onSubmit={changeRole}>
          <Field label="Role">
            {(control) => (
              <select
                className="field__input"
                value={role}
                onChange={(e) => setRole(e.target.value as Role)}
                {...control}
              >
                {ROLES.map((r) => (
                  <option key={r} value={r}>
                    {ROLE_LABELS[r]}
                  </option>
                ))}
              </select>
            )}
          </Field>
          <button type="submit" className="button" disabled={busy !== undefined || role === user.role}>
            Change role
          </button>
          {errors.role ? <ActionError error={errors.role} title="The role was not changed." /> : null}
        </form>

        <form className="users-editor__part" onSubmit={saveUnits}>
          <Field label="Units" hint="Patients elsewhere need a break-glass reason.">
            {(control) => (
              <input
                className="field__input"
                value={units}
                onChange={(e) => setUnits(e.target.value)}
                {...control}
              />
            )}
          </Field>
          <button type="submit" className="button" disabled={busy !== undefined}>
            Save units
          </button>
          {errors.units ? <ActionError error={errors.units} title="The units were not saved." /> : null}
        </form>

        <form className="users-editor__part" onSubmit={(event) => void resetPassword(event)} noValidate>
          <Field
            label="New password"
            hint={`${PASSWORD_RULE} Ends their sessions, lifts a lockout.`}
            error={passwordErrors.byField.password}
          >
            {(control) => (
              <input
                className="field__input"
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                {...control}
              />
            )}
          </Field>
          <button type="submit" className="button" disabled={busy !== undefined || password === ''}>
            Reset password
          </button>
          {passwordErrors.general ? (
            <ActionError error={passwordErrors.general} title="The password was not changed." />
          ) : null}
        </form>

        <div className="users-editor__part">
          <p className="field__label">Access</p>
          <p className="users-editor__state">
            {user.disabledAt === null ? 'Enabled' : 'Disabled'} · {user.activeSessions} open session
            {user.activeSessions === 1 ? '' : 's'}
          </p>
          <button
            type="button"
            className={user.disabledAt === null ? 'button button--danger' : 'button'}
            disabled={busy !== undefined || (props.isSelf && user.disabledAt === null)}
            onClick={toggleAccess}
          >
            {user.disabledAt === null ? 'Disable account' : 'Enable account'}
          </button>
          {props.isSelf ? <span className="field__hint">You can't disable your own account.</span> : null}
          {errors.access ? <ActionError error={errors.access} title="Access was not changed." /> : null}
        </div>
      </div>
    </section>
  );
}
