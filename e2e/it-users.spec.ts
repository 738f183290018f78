import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, screenshot, test } from './fixtures';

test.describe('a demo node', () => {
  test.use({ nodeArgs: ['--demo'] });

  /** IT adds an account (the password policy answering on its field); the new person logs in. */
  test('IT adds a user and the new user can log in; a wrong password is said plainly', async ({
    page,
    vmNode,
  }, testInfo) => {
    await page.goto(vmNode.url);
    await logIn(page, DEMO_USERNAMES.it_admin, DEMO_PASSWORD);
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
    await page.getByRole('navigation', { name: 'Settings' }).getByRole('link', { name: 'Users' }).click();
    await expect(page).toHaveURL(/#\/settings\/users$/);
    await expect(page.getByRole('cell', { name: DEMO_USERNAMES.clinician, exact: true })).toBeVisible();

    await page.getByRole('button', { name: 'Add user' }).click();
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Username').fill('nurse.rosa');
    await form.getByLabel('Display name').fill('Rosa Marin');
    await form.getByLabel('Units').fill('ICU');
    await form.getByLabel('Password').fill('nurse.rosa-2026');
    await form.getByRole('button', { name: 'Add user' }).click();
    await expect(form.getByLabel('Password')).toHaveAttribute('aria-invalid', 'true');
    await expect(form.getByText('the password must not contain the username')).toBeVisible();
    await screenshot(page, 'users-password-policy', testInfo);

    await form.getByLabel('Password').fill('tulips in the ICU window');
    await form.getByRole('button', { name: 'Add user' }).click();
    await expect(page.getByText('Added nurse.rosa (Clinician). They can log in now.')).toBeVisible();
    const row = page
      .getByRole('row')
      .filter({ has: page.getByRole('cell', { name: 'nurse.rosa', exact: true }) });
    await expect(row).toContainText('Rosa Marin');
    await expect(row).toContainText('ICU');
    await expect(row).toContainText('Active');
    await screenshot(page, 'users-added', testInfo);

    await page.getByRole('button', { name: 'Log out' }).click();
    await expect(page.getByText('You logged out.')).toBeVisible();

    await page.getByLabel('Username').fill('nurse.rosa');
    await page.getByLabel('Password').fill('not her password');
    await page.getByRole('button', { name: 'Log in' }).click();
    await expect(page.getByRole('alert')).toContainText('Wrong username or password.');
    await expect(page.getByLabel('Password')).toHaveValue('');
    await screenshot(page, 'login-wrong-password', testInfo);

    await logIn(page, 'nurse.rosa', 'tulips in the ICU window');
    await expect(page.getByText('Rosa Marin · Clinician')).toBeVisible();
    const nav = page.getByRole('navigation', { name: 'Main' });
    await expect(nav.getByRole('link', { name: 'Live vitals' })).toBeVisible();
    await expect(nav.getByRole('link', { name: 'Audit' })).toHaveCount(0);
  });
});

test.describe('a node with no accounts yet', () => {
  /** The login page says how to make the first account; after the CLI made it, it works. */
  test('the login page says how to create the first IT account, and that account logs in', async ({
    page,
    vmNode,
  }, testInfo) => {
    await page.goto(vmNode.url);
    await expect(page.getByText('./bin/vitalmesh users add --username NAME --role it_admin')).toBeVisible();
    await screenshot(page, 'login-no-users', testInfo);

    const made = vmNode.cli(
      ['users', 'add', '--username', 'it.first', '--role', 'it_admin', '--display-name', 'First IT'],
      'a long first password\n',
    );
    expect(made.status, made.stderr).toBe(0);
    await page.getByRole('button', { name: 'Check again' }).click();
    await logIn(page, 'it.first', 'a long first password');
    await expect(page.getByText('First IT · Facility IT')).toBeVisible();
  });
});
