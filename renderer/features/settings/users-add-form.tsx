import { useState, type FormEvent } from 'react';
import type { UserRecord } from '../../../shared/api/auth';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { ROLES, ROLE_LABELS, type Role } from '../../../shared/roles';
import { ActionError } from '../../components/action-error';
import { Field } from '../../components/field';
import { fieldErrors, parseList } from '../../components/field-errors';
import { useClient } from '../../app/context';

const FIELDS = ['username', 'displayName', 'role', 'units', 'password'] as const;
export const PASSWORD_RULE = 'At least 12 characters, and not containing the username.';

/** IT adds an account: the node checks the password policy and answers on the field that failed. */
export function UsersAddForm(props: { onAdded: (user: UserRecord) => void; onCancel: () => void }) {
  const client = useClient();
  const [username, setUsername] = useState('');
  const [displayName, setDisplayName] = useState('');
  const [role, setRole] = useState<Role>('clinician');
  const [units, setUnits] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const { byField, general } = fieldErrors(error, FIELDS, 'username');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const result = await client.call('users.add', {
      username,
      displayName,
      role,
      password,
      units: parseList(units),
    });
    setBusy(false);
    if (result.ok) {
      setError(undefined);
      props.onAdded(result.value);
    } else {
      setError(result.error);
    }
  };

  return (
    <form
      className="users-form"
      aria-labelledby="add-user-title"
      onSubmit={(event) => void submit(event)}
      noValidate
    >
      <h3 id="add-user-title" className="users-form__title">
        Add a user
      </h3>
      <div className="users-form__grid">
        <Field label="Username" error={byField.username}>
          {(control) => (
            <input
              className="field__input"
              autoComplete="off"
              spellCheck={false}
              value={username}
              onChange={(e) => setUsername(e.target.value)}
              {...control}
            />
          )}
        </Field>
        <Field label="Display name" error={byField.displayName}>
          {(control) => (
            <input
              className="field__input"
              autoComplete="off"
              value={displayName}
              onChange={(e) => setDisplayName(e.target.value)}
              {...control}
            />
          )}
        </Field>
        <Field label="Role" error={byField.role}>
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
        <Field
          label="Units"
          hint="Comma-separated; clinicians see these units' patients."
          error={byField.units}
        >
          {(control) => (
            <input
              className="field__input"
              placeholder="ICU, Ward 3"
              value={units}
              onChange={(e) => setUnits(e.target.value)}
              {...control}
            />
          )}
        </Field>
        <Field label="Password" hint={PASSWORD_RULE} error={byField.password}>
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
      </div>
      {general ? <ActionError error={general} title="The user was not added." /> : null}
      <div className="users-form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add user'}
        </button>
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
