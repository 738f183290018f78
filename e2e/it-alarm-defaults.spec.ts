import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, screenshot, test } from './fixtures';

test.use({ nodeArgs: ['--demo'] });

/**
 * Facility IT sets a unit's default alarm limits and its signal-lost time in Settings → Alarm
 * defaults; a bad limit is refused on its field; the change is kept by the node (seen again after
 * a reload) and is on the audit record.
 */
test('IT sets the ICU default HR limits and signal-lost time', async ({ page, vmNode }, testInfo) => {
  test.setTimeout(90_000);
  await page.goto(vmNode.url);
  await logIn(page, DEMO_USERNAMES.it_admin, DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Settings' }).click();
  await page
    .getByRole('navigation', { name: 'Settings' })
    .getByRole('link', { name: 'Alarm defaults' })
    .click();
  await expect(page).toHaveURL(/#\/settings\/alarms$/);

  // The demo puts beds on ICU and Ward 3; IT names the unit.
  await page.getByLabel('Unit', { exact: true }).fill('ICU');
  await page.getByRole('button', { name: 'Show' }).click();
  const editor = page.getByRole('region', { name: 'Default alarm limits on ICU' });
  await expect(editor.getByRole('row', { name: /^Heart rate/ })).toContainText('Catalog default');

  await editor.getByRole('button', { name: 'Edit Heart rate limits' }).click();
  const form = editor.getByRole('form', { name: /^Heart rate alarm limits/ });
  await form.getByLabel('High', { exact: true }).fill('45');
  await form.getByRole('button', { name: 'Save Heart rate limits' }).click();
  await expect(form.getByLabel('Low', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByText('Low must be below high (45).')).toBeVisible();
  await expect(form.getByText(/^Critical high must be at or above high/)).toHaveCount(0);
  await form.getByLabel('High', { exact: true }).fill('110');
  await form.getByRole('button', { name: 'Save Heart rate limits' }).click();
  await expect(editor.getByText('Heart rate limits saved.')).toBeVisible();
  await expect(editor.getByRole('row', { name: /^Heart rate/ })).toContainText('Unit default');

  const lost = page.getByLabel('Signal lost after (seconds)');
  await lost.fill('2');
  await page.getByRole('button', { name: 'Save signal-lost time' }).click();
  await expect(lost).toHaveAttribute('aria-invalid', 'true');
  await lost.fill('30');
  await page.getByRole('button', { name: 'Save signal-lost time' }).click();
  await expect(page.getByText('Signal lost on ICU after 30 s.')).toBeVisible();
  await screenshot(page, 'it-alarm-defaults-1280x720', testInfo);

  // Kept by the node: after a reload the page reads them back.
  await page.reload();
  await page.getByLabel('Unit', { exact: true }).fill('ICU');
  await page.getByRole('button', { name: 'Show' }).click();
  await expect(page.getByLabel('Signal lost after (seconds)')).toHaveValue('30');
  const row = page.getByRole('region', { name: 'Default alarm limits on ICU' }).getByRole('row', {
    name: /^Heart rate/,
  });
  await expect(row).toContainText('110');
  await expect(row).toContainText(`Unit default · ${DEMO_USERNAMES.it_admin}`);
});
