import type { APIRequestContext } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, screenshot, test } from './fixtures';

test.use({ nodeArgs: ['--demo'] });

async function call(request: APIRequestContext, url: string, method: string, input: unknown, token: string) {
  const response = await request.post(`${url}/api/${method}`, {
    data: input,
    headers: { authorization: `Bearer ${token}` },
  });
  return (await response.json()) as { ok: boolean; value?: Record<string, unknown> };
}

/**
 * The researcher's journey: on a demo node whose simulated beds have produced observations, export
 * vitals-raw through safe-harbor as CSV, watch it finish, and read its manifest and release report.
 */
test('a researcher exports a de-identified CSV and sees its manifest', async ({ page, vmNode, request }) => {
  const login = await request.post(`${vmNode.url}/api/auth.login`, {
    data: { username: DEMO_USERNAMES.researcher, password: DEMO_PASSWORD },
  });
  const token = ((await login.json()) as { value: { token: string } }).value.token;
  // Wait for the demo beds' feed: a few hundred observations of at least five patients.
  await expect
    .poll(
      async () => {
        const d = await call(request, vmNode.url, 'products.describe', { name: 'vitals-raw' }, token);
        return (d.value?.rowCount as number | undefined) ?? 0;
      },
      { timeout: 30_000, message: 'the demo beds have produced observations' },
    )
    .toBeGreaterThan(400);

  await page.goto(vmNode.url);
  await logIn(page, DEMO_USERNAMES.researcher, DEMO_PASSWORD);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(nav.getByRole('link', { name: 'Products' })).toBeVisible();
  await nav.getByRole('link', { name: 'Exports' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Exports' })).toBeVisible();

  await page.getByLabel('Data product').selectOption('vitals-raw');
  await expect(page.getByLabel('De-identification profile')).toHaveValue('safe-harbor');
  await page.getByLabel('CSV').check();
  await page.getByRole('button', { name: 'Start export' }).click();

  const item = page.locator('.exports-history__item').first();
  await expect(item.getByText('done')).toBeVisible({ timeout: 30_000 });
  const bar = item.getByRole('progressbar');
  await expect(bar).toBeVisible();
  const max = await bar.getAttribute('max');
  expect(Number(max)).toBeGreaterThan(0);
  await expect(bar).toHaveAttribute('value', max!);

  const manifest = item.getByLabel(/^Manifest of export/);
  await expect(manifest).toBeVisible();
  await expect(manifest.getByText('vitals-raw v1')).toBeVisible();
  await expect(manifest.getByText('safe-harbor v1')).toBeVisible();
  await expect(manifest.getByText(/k = 5 required, smallest class [5-9]/)).toBeVisible();
  await expect(manifest.getByRole('cell', { name: 'vitals-raw-v1-safe-harbor.csv' })).toBeVisible();
  await expect(manifest.getByRole('cell', { name: 'manifest.json' })).toBeVisible();
  await expect(manifest.locator('.export-manifest__hash').first()).toHaveText(/^[0-9a-f]{64}$/);
  await screenshot(page, 'researcher-export', test.info());

  // The same export, as the API lists it: done, with the manifest's hash the screen shows.
  const list = await call(request, vmNode.url, 'exports.list', {}, token);
  const exports = list.value?.exports as { state: string; manifestSha256: string }[];
  expect(exports[0]?.state).toBe('done');
  await expect(manifest.getByText(exports[0]!.manifestSha256).first()).toBeVisible();
});
