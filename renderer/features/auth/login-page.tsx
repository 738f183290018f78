import { Fragment, useEffect, useRef, useState, type FormEvent } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useAppState, useAppStore, useClient } from '../../app/context';
import '../../components/form.css';
import './login.css';

type Status =
  | { state: 'loading' }
  | { state: 'ready'; hasUsers: boolean; demo: boolean }
  | {
      state: 'error';
      error: ApiErrorBody;
    };

/** The first IT account is made on the node's machine: the password never crosses a browser. */
export const FIRST_USER_COMMAND = './bin/vitalmesh users add --username NAME --role it_admin';

/**
 * The login page: username and password, and what to do when it can't work yet (no accounts) or
 * didn't work (wrong password, locked, disabled). A session that ended under the user is said so.
 */
export function LoginPage() {
  const client = useClient();
  const store = useAppStore();
  const notice = useAppState((state) => state.session.notice);
  const nodeInfo = useAppState((state) => state.nodeInfo);
  const [status, setStatus] = useState<Status>({ state: 'loading' });
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const passwordRef = useRef<HTMLInputElement>(null);
  const [checks, setChecks] = useState(0);

  useEffect(() => {
    let current = true;
    void client.call('auth.status', {}).then((result) => {
      if (!current) return;
      setStatus(result.ok ? { state: 'ready', ...result.value } : { state: 'error', error: result.error });
    });
    return () => {
      current = false;
    };
  }, [client, checks]);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(undefined);
    const result = await client.call('auth.login', { username, password });
    setBusy(false);
    if (result.ok) {
      const { user, idleTimeoutSeconds, expiresAt } = result.value;
      store.getState().setSession({
        user: { username: user.username, displayName: user.displayName, role: user.role },
        idleTimeoutSeconds,
        expiresAt,
      });
      return;
    }
    setError(result.error);
    setPassword('');
    passwordRef.current?.focus();
  };

  const facility = nodeInfo.state === 'ready' ? nodeInfo.value.facilityName : undefined;
  return (
    <main className="login">
      <section className="login__card" aria-labelledby="login-title">
        <p className="login__product">VitalMesh</p>
        {facility ? <p className="login__facility">{facility}</p> : null}
        <h1 id="login-title" className="login__title">
          Log in
        </h1>
        {/* After a failed attempt the error is what matters; "You logged out." beside it read as stale. */}
        {notice && !error ? (
          <div className="alert alert--notice" role="status">
            <p className="alert__title">{notice}</p>
          </div>
        ) : null}
        {status.state === 'error' ? <ApiErrorAlert error={status.error} what="this node's accounts" /> : null}
        {status.state === 'ready' && !status.hasUsers ? (
          <NoUsersYet onCheckAgain={() => setChecks((n) => n + 1)} />
        ) : (
          <form className="login__form" onSubmit={(event) => void submit(event)} noValidate>
            <label className="field">
              <span className="field__label">Username</span>
              <input
                className="field__input"
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                // The first field of the only form on the page: where every visit starts typing.
                autoFocus
                required
                value={username}
                onChange={(event) => setUsername(event.target.value)}
              />
            </label>
            <label className="field">
              <span className="field__label">Password</span>
              <input
                ref={passwordRef}
                className="field__input"
                name="password"
                type="password"
                autoComplete="current-password"
                required
                value={password}
                aria-invalid={error?.code === 'unauthenticated' ? true : undefined}
                aria-describedby={error ? 'login-error' : undefined}
                onChange={(event) => setPassword(event.target.value)}
              />
            </label>
            {error ? <LoginError error={error} /> : null}
            <button
              type="submit"
              className="button button--primary"
              disabled={busy || username.trim() === '' || password === ''}
            >
              {busy ? 'Logging in…' : 'Log in'}
            </button>
          </form>
        )}
        {status.state === 'ready' && status.hasUsers && status.demo ? <DemoHint /> : null}
      </section>
    </main>
  );
}

/** Why a login was refused, in words a nurse at a shared workstation can act on. */
function LoginError(props: { error: ApiErrorBody }) {
  const { error } = props;
  const [title, detail] =
    error.code === 'unauthenticated'
      ? [
          'Wrong username or password.',
          'Check both and try again. After 5 failed logins in a row the account is locked for a while.',
        ]
      : error.code === 'locked'
        ? ['This account is locked.', error.message]
        : error.code === 'forbidden'
          ? ['This account is disabled.', 'Ask facility IT to enable it.']
          : ['Could not log in.', error.message];
  return (
    <div id="login-error" className="alert alert--error" role="alert">
      <p className="alert__title">{title}</p>
      <p className="alert__detail">{detail}</p>
    </div>
  );
}

function NoUsersYet(props: { onCheckAgain: () => void }) {
  return (
    <div className="login__first-user">
      <p className="login__lead">
        Nobody can log in yet: this node has no user accounts. On the machine the node runs on, create the
        first facility IT account:
      </p>
      <pre className="login__command">
        {/* Breaks only between arguments: "--" at a line's end and "role" on the next read as two. */}
        <code>
          {FIRST_USER_COMMAND.split(' ').map((arg, i) => (
            <Fragment key={i}>
              {i > 0 ? ' ' : null}
              <span className="login__arg">{arg}</span>
            </Fragment>
          ))}
        </code>
      </pre>
      <p className="muted">
        It asks for the password (at least 12 characters, not containing the username). Facility IT then adds
        everyone else in Settings → Users.
      </p>
      <button type="button" className="button" onClick={props.onCheckAgain}>
        Check again
      </button>
    </div>
  );
}

function DemoHint() {
  return (
    <p className="login__demo muted">
      Demo node: log in as <code>demo.clinician</code>, <code>demo.it</code>, <code>demo.compliance</code> or{' '}
      <code>demo.researcher</code> with the demo password the node printed when it started.
    </p>
  );
}
