import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, screenshot, test } from './fixtures';

test.use({ nodeArgs: ['--demo'] });

/**
 * Issue 2's journey: `vitalmesh start` serves the console, Chromium shows the shell with every
 * screen in its navigation, and Settings → Node shows what `node.health` reports about the
 * encrypted store, live.
 */
test('the console serves the shell and Settings → Node shows the node’s health', async ({
  page,
  vmNode,
}, testInfo) => {
  const health = await page.request.get(`${vmNode.url}/api/health`);
  expect(health.ok()).toBe(true);

  await page.goto(vmNode.url);
  await logIn(page, DEMO_USERNAMES.it_admin, DEMO_PASSWORD);

  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Settings' })).toBeVisible();
  await expect(page.getByText('Demo', { exact: true })).toBeVisible();

  await nav.getByRole('link', { name: 'Settings' }).click();
  await expect(page).toHaveURL(/#\/settings\/node$/);
  const panel = page.getByRole('region', { name: 'Node health' });
  await expect(panel).toBeVisible();
  await expect(panel.getByText('Key file')).toBeVisible();
  // The heartbeat stream is live: the status line says when it last heard from the node.
  await expect(panel.getByRole('status')).toContainText(/Live/i);
  await screenshot(page, 'settings-node', testInfo);
});
