import type { Browser, BrowserContext, Page } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, screenshot, startNode, test } from './fixtures';

/**
 * Two facilities, each a real node (`vitalmesh start --mesh-port 0`) with its own data dir, CA and
 * ports. IT at both enrol each other by bundle and fingerprint; IT at North drafts an agreement; a
 * compliance officer at North previews and approves it; IT at South subscribes and the received
 * product appears on South's screen.
 */
test.setTimeout(150_000);

/** Contexts this test opened; closed before its nodes stop, so no page outlives its node. */
const contexts: BrowserContext[] = [];

async function openAs(browser: Browser, url: string, role: 'it_admin' | 'compliance_officer'): Promise<Page> {
  const context = await browser.newContext({ viewport: { width: 1440, height: 900 } });
  contexts.push(context);
  const page = await context.newPage();
  await page.goto(url);
  await logIn(page, DEMO_USERNAMES[role], DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sharing' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sharing' })).toBeVisible();
  return page;
}

async function enrol(importer: Page, other: Page): Promise<void> {
  const bundle = await other.getByTestId('own-bundle').inputValue();
  const fingerprint = (await other.getByTestId('own-fingerprint').textContent())!;
  await importer.getByLabel("The peer's enrolment bundle").fill(bundle);
  await importer.getByRole('button', { name: 'Import bundle' }).click();
  await expect(importer.getByTestId('pending-fingerprint')).toHaveText(fingerprint);
  // Nothing is trusted until IT typed what the peer read and ticked the comparison.
  await expect(importer.getByRole('button', { name: 'Confirm and trust' })).toBeDisabled();
  await importer.getByLabel('Fingerprint as the peer read it').fill(fingerprint.replace(/:/g, ' '));
  await importer.getByLabel('I compared it with the peer facility out of band').check();
  await importer.getByRole('button', { name: 'Confirm and trust' }).click();
  await expect(importer.getByRole('status').filter({ hasText: 'is enrolled and trusted' })).toBeVisible();
}

test('IT enrols a peer and drafts an agreement, compliance approves, the product arrives at the peer', async ({
  browser,
  request,
}, testInfo) => {
  const north = await startNode(['--demo', '--mesh-port', '0', '--facility-name', 'North General']);
  const south = await startNode(['--demo', '--mesh-port', '0', '--facility-name', 'South Clinic']);
  try {
    // North's simulated beds must have produced something worth sharing.
    const login = await request.post(`${north.node.url}/api/auth.login`, {
      data: { username: DEMO_USERNAMES.it_admin, password: DEMO_PASSWORD },
    });
    const token = ((await login.json()) as { value: { token: string } }).value.token;
    await expect
      .poll(
        async () => {
          const r = await request.post(`${north.node.url}/api/products.describe`, {
            data: { name: 'vitals-raw' },
            headers: { authorization: `Bearer ${token}` },
          });
          return ((await r.json()) as { value?: { rowCount?: number } }).value?.rowCount ?? 0;
        },
        { timeout: 40_000, message: 'the demo beds produced observations' },
      )
      .toBeGreaterThan(400);

    const northIt = await openAs(browser, north.node.url, 'it_admin');
    const southIt = await openAs(browser, south.node.url, 'it_admin');
    await enrol(southIt, northIt);
    await enrol(northIt, southIt);
    await expect(
      northIt.getByRole('table', { name: 'Enrolled peers' }).getByText('South Clinic'),
    ).toBeVisible();
    await expect(northIt.getByRole('table', { name: 'Enrolled peers' }).getByText('active')).toBeVisible();
    await screenshot(northIt, 'mesh-peers', testInfo);

    // IT drafts; it can't approve its own draft (there is no approve button for IT at all).
    await northIt.getByRole('tab', { name: 'Agreements' }).click();
    await northIt.getByRole('button', { name: 'Draft an agreement' }).click();
    await northIt.getByLabel('Peer facility').selectOption({ label: 'South Clinic' });
    await northIt.getByLabel(/^vitals-raw/).check();
    await northIt.getByLabel('Purpose').fill('regional early-warning score validation');
    await northIt.getByLabel('De-identification profile').selectOption('safe-harbor');
    await northIt.getByRole('button', { name: 'Save draft' }).click();
    const card = northIt.locator('[data-testid^="agreement-"]').first();
    await expect(card.getByTestId('agreement-state')).toHaveText('draft');
    await expect(card.getByRole('button', { name: /^Approve/ })).toHaveCount(0);

    // Before approval South's catalog is empty.
    await southIt.getByRole('tab', { name: 'Received products' }).click();
    await southIt.getByRole('button', { name: 'Ask for its catalog' }).click();
    await expect(southIt.getByText('This peer has no active agreement with us.')).toBeVisible();

    // A compliance officer previews what would leave the building, then approves.
    const northCo = await openAs(browser, north.node.url, 'compliance_officer');
    await northCo.getByRole('tab', { name: 'Agreements' }).click();
    const coCard = northCo.locator('[data-testid^="agreement-"]').first();
    await coCard.getByRole('button', { name: 'Preview what would leave the building' }).click();
    const preview = coCard.getByTestId('agreement-preview');
    await expect(preview.getByRole('table', { name: 'Sample rows of vitals-raw' })).toBeVisible({
      timeout: 20_000,
    });
    await expect(preview.getByRole('columnheader', { name: 'patient' })).toBeVisible();
    await expect(preview.getByText(/rows would be released; k achieved/)).toBeVisible();
    await screenshot(northCo, 'mesh-agreement-preview', testInfo);
    await coCard.getByRole('button', { name: 'Approve v1' }).click();
    await expect(coCard.getByTestId('agreement-state')).toHaveText('active');

    // South subscribes and pulls: the received product appears with its rows.
    await southIt.getByRole('button', { name: 'Ask for its catalog' }).click();
    await southIt.getByRole('button', { name: 'Subscribe and pull vitals-raw' }).click();
    const row = southIt.getByTestId('received-vitals-raw');
    await expect(row).toBeVisible({ timeout: 20_000 });
    await expect(row.getByText('North General')).toBeVisible();
    await expect
      .poll(async () => Number((await row.getByTestId('received-rows').textContent())!.replace(/\D/g, '')))
      .toBeGreaterThan(400);
    await row.getByRole('button', { name: 'Show rows' }).click();
    await expect(southIt.getByRole('table', { name: 'Rows of vitals-raw' })).toBeVisible();
    await screenshot(southIt, 'mesh-received', testInfo);
  } finally {
    await Promise.all(contexts.splice(0).map((context) => context.close()));
    await south.stop();
    await north.stop();
  }
});
