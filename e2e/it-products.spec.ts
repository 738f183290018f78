import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, screenshot, test } from './fixtures';

test.use({ nodeArgs: ['--demo'] });

/**
 * IT's products journey on a demo node: publish a data product from the definition editor, make
 * a de-identification profile from the built-in safe-harbor (a wrong value refused next to its
 * field, then fixed and published), and set the type of a unit the demo beds are on.
 */
test('IT publishes a product, a de-identification profile and a unit type', async ({ page, vmNode }) => {
  await page.goto(vmNode.url);
  await logIn(page, DEMO_USERNAMES.it_admin, DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Products' }).click();
  const tabs = page.getByRole('tablist', { name: 'Products' });

  // The product definition editor: a wrong definition refused at its controls, then published.
  await page.getByRole('button', { name: 'New product' }).click();
  const product = page.getByRole('form', { name: 'New data product' });
  await product.getByLabel('Name').fill('icu-5min');
  await product.getByLabel('Description').fill('ICU trends: heart rate and SpO2 as 5-minute summaries');
  await product.getByRole('checkbox', { name: 'device_type' }).check();
  await product.getByRole('button', { name: 'Publish version' }).click();
  const fields = product.getByRole('group', { name: /^Fields exposed/ });
  await expect(fields.locator('.field__error')).toHaveText(/device_type is only available at the raw grain/);
  // Back to the top for a full-page picture (the table's sticky header would sit mid-page).
  await page.getByRole('heading', { level: 1, name: 'Products' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'it-product-editor', test.info());
  await product.getByRole('checkbox', { name: 'device_type' }).uncheck();
  await product.getByRole('button', { name: 'Publish version' }).click();
  await expect(page.getByRole('heading', { name: 'icu-5min v1' })).toBeVisible();

  // A profile from safe-harbor: dates shifted by at most 0 days is refused on the time row.
  await tabs.getByRole('tab', { name: 'De-identification profiles' }).click();
  const builtIn = page.getByRole('row', { name: /safe-harbor built in/ });
  await builtIn.getByRole('button', { name: 'Copy to a variant' }).click();
  const editor = page.getByRole('form', { name: 'New de-identification profile' });
  await editor.getByLabel('Name').fill('icu-study');
  await editor
    .getByLabel('Description')
    .fill('Safe Harbor with a 30-day shift and hourly times for the ICU study');
  const time = editor.getByRole('row', { name: /^time/ });
  await time.getByRole('textbox', { name: /days at most/ }).fill('0');
  await editor.getByRole('checkbox', { name: 'zip3' }).uncheck();
  await editor.getByRole('button', { name: 'Publish version' }).click();
  await expect(time.locator('.field__error')).toHaveText(/>=1|at least 1|too small/i);
  await expect(editor.getByText(/zip3 is released \(generalize\) but not declared/)).toBeVisible();
  await expect(editor.getByRole('alert')).toContainText('2 fields need a fix');
  await expect(editor.getByText('at least 1 day', { exact: true })).toBeVisible();
  await page.getByRole('heading', { level: 1, name: 'Products' }).scrollIntoViewIfNeeded();
  await screenshot(page, 'it-profile-errors', test.info());

  await time.getByRole('textbox', { name: /days at most/ }).fill('30');
  await editor.getByRole('checkbox', { name: 'zip3' }).check();
  await expect(editor.getByRole('alert')).toHaveCount(0);
  await editor.getByRole('button', { name: 'Publish version' }).click();
  await expect(page.getByRole('status')).toHaveText('Published icu-study v1.');
  const mine = page.getByRole('row', { name: /icu-study/ });
  await expect(mine.getByRole('cell', { name: 'shift ±30 d' })).toBeVisible();
  await expect(mine.getByRole('button', { name: 'Edit (publishes v2)' })).toBeVisible();

  // Unit types: Ward 3 is guessed from its label (ward) until IT sets it; the setting persists.
  await tabs.getByRole('tab', { name: 'Unit types' }).click();
  const ward = page.getByLabel('Type of Ward 3');
  await expect(ward).toHaveValue('');
  await ward.selectOption('stepdown');
  await expect(
    page.getByRole('row', { name: /Ward 3/ }).getByRole('cell', { name: /^demo\.it, / }),
  ).toBeVisible();
  await screenshot(page, 'it-unit-types', test.info());
  await page.reload();
  await page.getByRole('tablist', { name: 'Products' }).getByRole('tab', { name: 'Unit types' }).click();
  await expect(page.getByLabel('Type of Ward 3')).toHaveValue('stepdown');
});
