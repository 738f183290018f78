import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { LoginResult } from '../../../shared/api/auth';
import { App } from '../../app/app';
import { createAppStore } from '../../app/store';
import { createFakeClient } from '../../testing/fake-client';
import { NODE_HEALTH, NODE_INFO } from '../../testing/fixtures';
import { IDLE_CHECK_MS } from './login-gate';

beforeEach(() => window.history.replaceState(null, '', '#/settings/node'));
afterEach(() => {
  cleanup();
  vi.useRealTimers();
});

const IT_LOGIN: LoginResult = {
  token: 'not-used-by-the-renderer',
  expiresAt: '2099-01-01T00:00:00.000Z',
  idleTimeoutSeconds: 1800,
  user: { id: 2, username: 'demo.it', displayName: 'Demo Facility IT', role: 'it_admin', units: [] },
};

const loggedOut = {
  ok: false as const,
  error: { code: 'unauthenticated' as const, message: 'log in first' },
};

function node(overrides: Parameters<typeof createFakeClient>[0] = {}) {
  return createFakeClient({
    'node.info': () => ({ ok: true, value: NODE_INFO }),
    'node.health': () => ({ ok: true, value: NODE_HEALTH }),
    'auth.me': () => loggedOut,
    'auth.status': () => ({ ok: true, value: { hasUsers: true, demo: false } }),
    'auth.login': () => ({ ok: true, value: IT_LOGIN }),
    'auth.logout': () => ({ ok: true, value: { ended: true } }),
    'users.list': () => ({ ok: true, value: [] }),
    ...overrides,
  });
}

async function logIn(username: string, password: string) {
  fireEvent.change(await screen.findByLabelText('Username'), { target: { value: username } });
  fireEvent.change(screen.getByLabelText('Password'), { target: { value: password } });
  fireEvent.click(screen.getByRole('button', { name: 'Log in' }));
}

describe('login gate', () => {
  it('says exactly how to create the first account when the node has none', async () => {
    const fake = node({ 'auth.status': () => ({ ok: true, value: { hasUsers: false, demo: false } }) });
    render(<App client={fake.client} />);
    const command = './bin/vitalmesh users add --username NAME --role it_admin';
    // Each argument is its own span (so the line breaks between them): match the whole <code>.
    expect(
      await screen.findByText((_, el) => el?.tagName === 'CODE' && el.textContent === command),
    ).toBeTruthy();
    expect(screen.getByText(/this node has no user accounts/)).toBeTruthy();
    expect(screen.queryByLabelText('Password')).toBeNull();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
  });

  it('logs in, shows who and as what, and hides what the role cannot use', async () => {
    const fake = node();
    render(<App client={fake.client} />);
    await logIn('demo.it', 'correct horse battery');
    const nav = await screen.findByRole('navigation', { name: 'Main' });
    expect(fake.calls.find((c) => c.method === 'auth.login')?.input).toEqual({
      username: 'demo.it',
      password: 'correct horse battery',
    });
    expect(screen.getByText('Demo Facility IT · Facility IT')).toBeTruthy();
    // IT does not read the audit; it does manage users.
    expect(within(nav).queryByRole('link', { name: 'Audit' })).toBeNull();
    expect(within(nav).getByRole('link', { name: 'Settings' })).toBeTruthy();
    const subnav = screen.getByRole('navigation', { name: 'Settings' });
    expect(within(subnav).getByRole('link', { name: 'Users' })).toBeTruthy();
  });

  it('answers a wrong password plainly, clears it, and keeps the username', async () => {
    const fake = node({
      'auth.login': () => ({
        ok: false,
        error: { code: 'unauthenticated', message: 'wrong username or password' },
      }),
    });
    render(<App client={fake.client} />);
    await logIn('demo.it', 'not the password');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('Wrong username or password.');
    expect(screen.getByLabelText<HTMLInputElement>('Password').value).toBe('');
    expect(screen.getByLabelText<HTMLInputElement>('Username').value).toBe('demo.it');
    expect(screen.getByLabelText('Password').getAttribute('aria-invalid')).toBe('true');
    // A wrong password is not a lost session: no "session ended" notice.
    expect(screen.queryByText(/session ended|session expired/i)).toBeNull();
  });

  it('drops the "You logged out." notice once a login attempt fails', async () => {
    const fake = node({
      'auth.login': () => ({
        ok: false,
        error: { code: 'unauthenticated', message: 'wrong username or password' },
      }),
    });
    render(<App client={fake.client} store={createAppStore({ session: { notice: 'You logged out.' } })} />);
    expect(await screen.findByText('You logged out.')).toBeTruthy();
    await logIn('demo.it', 'not the password');
    expect((await screen.findByRole('alert')).textContent).toContain('Wrong username or password.');
    expect(screen.queryByText('You logged out.')).toBeNull();
  });

  it('says an account is locked, and until when, in the node’s words', async () => {
    const message =
      'this account is locked after 5 failed logins until 2026-11-25T14:30:00.000Z; wait, or ask facility IT to reset the password';
    const fake = node({ 'auth.login': () => ({ ok: false, error: { code: 'locked', message } }) });
    render(<App client={fake.client} />);
    await logIn('demo.it', 'whatever it is');
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('This account is locked.');
    expect(alert.textContent).toContain('until 2026-11-25T14:30:00.000Z');
  });

  it('says a disabled account is disabled', async () => {
    const fake = node({
      'auth.login': () => ({
        ok: false,
        error: { code: 'forbidden', message: 'this account is disabled; ask facility IT' },
      }),
    });
    render(<App client={fake.client} />);
    await logIn('demo.it', 'whatever it is');
    expect((await screen.findByRole('alert')).textContent).toContain('This account is disabled.');
  });

  it('goes straight in when the browser still holds a session', async () => {
    const fake = node({
      'auth.me': () => ({ ok: true, value: { ...IT_LOGIN.user, idleTimeoutSeconds: 1800 } }),
    });
    render(<App client={fake.client} />);
    expect(await screen.findByText('Demo Facility IT · Facility IT')).toBeTruthy();
    expect(fake.calls.some((c) => c.method === 'auth.login')).toBe(false);
  });

  it('returns to the login page when the session expires under the user, and says so', async () => {
    let expired = false;
    const fake = node({
      'node.health': () =>
        expired
          ? {
              ok: false,
              error: { code: 'unauthenticated', message: 'your session has expired; log in again' },
            }
          : { ok: true, value: NODE_HEALTH },
    });
    render(<App client={fake.client} />);
    await logIn('demo.it', 'correct horse battery');
    await screen.findByRole('button', { name: 'Check now' });
    expired = true;
    fireEvent.click(screen.getByRole('button', { name: 'Check now' }));
    expect(await screen.findByText('Your session expired. Log in again to continue.')).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Log in' })).toBeTruthy();
    expect(screen.queryByRole('navigation', { name: 'Main' })).toBeNull();
  });

  it('returns to the login page when a live stream is refused for the session', async () => {
    const fake = node();
    render(<App client={fake.client} />);
    await logIn('demo.it', 'correct horse battery');
    await screen.findByRole('button', { name: 'Check now' });
    act(() => fake.fail('node.heartbeat', { code: 'unauthenticated', message: 'log in first' }));
    expect(await screen.findByText(/Your session ended/)).toBeTruthy();
  });

  it('logs out on the node and comes back to the login page', async () => {
    const fake = node();
    const store = createAppStore();
    render(<App client={fake.client} store={store} />);
    await logIn('demo.it', 'correct horse battery');
    fireEvent.click(await screen.findByRole('button', { name: 'Log out' }));
    expect(await screen.findByText('You logged out.')).toBeTruthy();
    expect(fake.calls.filter((c) => c.method === 'auth.logout')).toHaveLength(1);
    expect(store.getState().session.user).toBeUndefined();
  });

  it('notices an idle expiry with nobody clicking (the idle watch asks auth.me)', async () => {
    vi.useFakeTimers({ shouldAdvanceTime: true });
    const fake = node({
      'auth.login': () => ({ ok: true, value: { ...IT_LOGIN, idleTimeoutSeconds: 60 } }),
    });
    window.history.replaceState(null, '', '#/live');
    render(<App client={fake.client} />);
    await logIn('demo.it', 'correct horse battery');
    await screen.findByRole('navigation', { name: 'Main' });
    const asked = () => fake.calls.filter((c) => c.method === 'auth.me').length;
    const before = asked();
    // Within the idle timeout the watch stays quiet.
    act(() => {
      vi.advanceTimersByTime(IDLE_CHECK_MS * 2);
    });
    expect(asked()).toBe(before);
    // Past it, the watch asks; "log in first" (the fake's auth.me) brings the login page back.
    act(() => {
      vi.advanceTimersByTime(60_000);
    });
    expect(await screen.findByText(/Your session ended/)).toBeTruthy();
    expect(asked()).toBe(before + 1);
  });
});
