import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { UserRecord } from '../../../shared/api/auth';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { pinTimeZone } from '../../testing/time-zone';
import { UsersPanel } from './users-panel';

afterEach(cleanup);
pinTimeZone('Europe/Berlin');

const user = (over: Partial<UserRecord>): UserRecord => ({
  id: 1,
  username: 'demo.it',
  displayName: 'Demo Facility IT',
  role: 'it_admin',
  units: [],
  createdAt: '2026-11-01T08:00:00.000Z',
  disabledAt: null,
  lockedUntil: null,
  activeSessions: 1,
  ...over,
});

const IT = user({});
const NURSE = user({
  id: 2,
  username: 'nurse.ana',
  displayName: 'Ana Lima',
  role: 'clinician',
  units: ['ICU'],
  activeSessions: 2,
});
const LOCKED = user({
  id: 3,
  username: 'dr.bo',
  displayName: 'Bo Berg',
  role: 'clinician',
  lockedUntil: '2099-01-01T10:15:00.000Z',
  activeSessions: 0,
});

function setup(answers: Parameters<typeof createFakeClient>[0] = {}) {
  let users = [IT, LOCKED, NURSE];
  const update = (id: number, over: Partial<UserRecord>) => {
    users = users.map((u) => (u.id === id ? { ...u, ...over } : u));
    return { ok: true as const, value: users.find((u) => u.id === id)! };
  };
  const fake = createFakeClient({
    'users.list': () => ({ ok: true, value: users }),
    'users.disable': ({ userId }) =>
      update(userId, { disabledAt: '2026-11-25T12:00:00.000Z', activeSessions: 0 }),
    'users.enable': ({ userId }) => update(userId, { disabledAt: null }),
    'users.setRole': ({ userId, role }) => update(userId, { role }),
    'users.setUnits': ({ userId, units }) => update(userId, { units }),
    'users.resetPassword': ({ userId }) => update(userId, { lockedUntil: null, activeSessions: 0 }),
    ...answers,
  });
  renderAs('it_admin', <UsersPanel />, fake.client, 'demo.it');
  return fake;
}

const rowOf = (username: string) => screen.getByRole('cell', { name: username }).closest('tr')!;

describe('Settings → Users', () => {
  it('lists every account with role, units, status and sessions', async () => {
    setup();
    await screen.findByRole('cell', { name: 'nurse.ana' });
    const nurse = within(rowOf('nurse.ana'));
    expect(nurse.getByText('Clinician')).toBeTruthy();
    expect(nurse.getByText('ICU')).toBeTruthy();
    expect(nurse.getByText('Active')).toBeTruthy();
    expect(nurse.getByText('2')).toBeTruthy();
    // Created: the local date, with the exact time on hover; a lock: the local time it ends.
    const created = nurse.getByText('2026-11-01');
    expect(created.getAttribute('title')).toBe('2026-11-01 09:00:00');
    const lock = within(rowOf('dr.bo')).getByText('Locked until 11:15:00');
    expect(lock.getAttribute('title')).toBe('Locked until 2099-01-01 11:15:00');
  });

  it('shows a password policy error on the password field, then adds the user', async () => {
    let attempts = 0;
    const fake = setup({
      'users.add': (input) => {
        attempts += 1;
        if (attempts === 1) {
          const message = 'the password must not contain the username';
          return {
            ok: false,
            error: { code: 'bad_request', message, issues: [{ path: 'password', message }] },
          };
        }
        return {
          ok: true,
          value: user({
            id: 9,
            username: input.username,
            displayName: input.displayName,
            role: input.role,
            units: input.units ?? [],
            activeSessions: 0,
          }),
        };
      },
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add user' }));
    const form = within(screen.getByRole('form', { name: 'Add a user' }));
    fireEvent.change(form.getByLabelText('Username'), { target: { value: 'nurse.cy' } });
    fireEvent.change(form.getByLabelText('Display name'), { target: { value: 'Cy Ode' } });
    fireEvent.change(form.getByLabelText('Units'), { target: { value: 'ICU, Ward 3 ,' } });
    fireEvent.change(form.getByLabelText('Password'), { target: { value: 'nurse.cy-2026-ok' } });
    fireEvent.click(form.getByRole('button', { name: 'Add user' }));

    const password = form.getByLabelText('Password');
    await waitFor(() => expect(password.getAttribute('aria-invalid')).toBe('true'));
    const notes = password
      .getAttribute('aria-describedby')!
      .split(' ')
      .map((id) => document.getElementById(id)?.textContent);
    expect(notes).toEqual([
      'the password must not contain the username',
      'At least 12 characters, and not containing the username.',
    ]);
    expect(fake.calls.find((c) => c.method === 'users.add')?.input).toEqual({
      username: 'nurse.cy',
      displayName: 'Cy Ode',
      role: 'clinician',
      password: 'nurse.cy-2026-ok',
      units: ['ICU', 'Ward 3'],
    });

    fireEvent.change(password, { target: { value: 'long enough and fine' } });
    fireEvent.click(form.getByRole('button', { name: 'Add user' }));
    expect(await screen.findByText('Added nurse.cy (Clinician). They can log in now.')).toBeTruthy();
    expect(screen.getByRole('cell', { name: 'nurse.cy' })).toBeTruthy();
    expect(screen.queryByRole('form', { name: 'Add a user' })).toBeNull();
  });

  it('puts a taken username on the username field', async () => {
    setup({
      'users.add': () => ({
        ok: false,
        error: { code: 'conflict', message: 'the username nurse.ana is taken' },
      }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Add user' }));
    const form = within(screen.getByRole('form', { name: 'Add a user' }));
    fireEvent.click(form.getByRole('button', { name: 'Add user' }));
    await waitFor(() => expect(form.getByLabelText('Username').getAttribute('aria-invalid')).toBe('true'));
    expect(form.getByText('the username nurse.ana is taken')).toBeTruthy();
  });

  it('disables and enables an account, and never offers to disable your own', async () => {
    const fake = setup();
    fireEvent.click(await screen.findByRole('button', { name: 'Manage demo.it' }));
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Disable account' }).disabled).toBe(true);

    fireEvent.click(screen.getByRole('button', { name: 'Manage nurse.ana' }));
    fireEvent.click(screen.getByRole('button', { name: 'Disable account' }));
    expect(await screen.findByText('nurse.ana is disabled; their sessions ended.')).toBeTruthy();
    expect(within(rowOf('nurse.ana')).getByText('Disabled')).toBeTruthy();
    expect(fake.calls.at(-1)).toEqual({ method: 'users.disable', input: { userId: 2 } });

    fireEvent.click(screen.getByRole('button', { name: 'Enable account' }));
    expect(await screen.findByText('nurse.ana is enabled again.')).toBeTruthy();
    expect(within(rowOf('nurse.ana')).getByText('Active')).toBeTruthy();
  });

  it('changes the role, sets units and resets the password, each its own call', async () => {
    const fake = setup();
    fireEvent.click(await screen.findByRole('button', { name: 'Manage dr.bo' }));
    const editor = within(screen.getByRole('region', { name: /Manage dr\.bo/ }));

    fireEvent.change(editor.getByLabelText('Role'), { target: { value: 'researcher' } });
    fireEvent.click(editor.getByRole('button', { name: 'Change role' }));
    expect(
      await screen.findByText('dr.bo is now Researcher; it takes effect on their next call.'),
    ).toBeTruthy();

    fireEvent.change(editor.getByLabelText('Units'), { target: { value: 'Ward 3, ICU' } });
    fireEvent.click(editor.getByRole('button', { name: 'Save units' }));
    expect(await screen.findByText("dr.bo's units: Ward 3, ICU.")).toBeTruthy();

    fireEvent.change(editor.getByLabelText('New password'), { target: { value: 'a brand new passphrase' } });
    fireEvent.click(editor.getByRole('button', { name: 'Reset password' }));
    expect(await screen.findByText('New password set for dr.bo; their open sessions ended.')).toBeTruthy();
    // The reset lifted the lockout.
    expect(within(rowOf('dr.bo')).getByText('Active')).toBeTruthy();
    expect(editor.getByLabelText<HTMLInputElement>('New password').value).toBe('');

    expect(fake.calls.slice(-3)).toEqual([
      { method: 'users.setRole', input: { userId: 3, role: 'researcher' } },
      { method: 'users.setUnits', input: { userId: 3, units: ['Ward 3', 'ICU'] } },
      { method: 'users.resetPassword', input: { userId: 3, password: 'a brand new passphrase' } },
    ]);
  });

  it('shows a refused change where it was made (the last IT account)', async () => {
    setup({
      'users.setRole': () => ({
        ok: false,
        error: {
          code: 'conflict',
          message: 'demo.it is the only enabled IT account; changing its role would lock IT out',
        },
      }),
    });
    fireEvent.click(await screen.findByRole('button', { name: 'Manage demo.it' }));
    fireEvent.change(screen.getByLabelText('Role'), { target: { value: 'clinician' } });
    fireEvent.click(screen.getByRole('button', { name: 'Change role' }));
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('The role was not changed.');
    expect(alert.textContent).toContain('would lock IT out');
  });

  it('says why the list is missing', async () => {
    setup({
      'users.list': () => ({
        ok: false,
        error: { code: 'forbidden', message: 'the role clinician may not call users.list' },
      }),
    });
    expect((await screen.findByRole('alert')).textContent).toContain('may not call users.list');
  });
});
