import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { startFhirTestServer, type FhirTestServer } from '../main/ingest/fhir/testing/fhir-test-server';
import { seedCorpus } from '../main/ingest/fhir/testing/sync-harness';
import { expect, logIn, screenshot, test } from './fixtures';

test.use({ nodeArgs: ['--demo'] });

let fhir: FhirTestServer;
test.beforeAll(async () => {
  // A real FHIR R4 server on loopback with the R4 examples and Synthea's patients.
  fhir = await startFhirTestServer();
  await seedCorpus(fhir);
});
test.afterAll(async () => fhir?.close());

/**
 * Issue 6's journey: facility IT adds the EHR's FHIR server on Sources → FHIR servers, runs a
 * sync, watches its progress bar move, and sees the counts; the secret is never shown back.
 */
test('IT adds a FHIR source, syncs it, sees progress and counts', async ({ page, vmNode }, testInfo) => {
  test.setTimeout(120_000);
  // Each page is held back a little so the progress of a run is visible, as on a real EHR.
  fhir.hooks.push(async () => {
    await new Promise((r) => setTimeout(r, 150));
    return undefined;
  });
  await page.goto(vmNode.url);
  await logIn(page, DEMO_USERNAMES.it_admin, DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
  await page.getByRole('tab', { name: 'FHIR servers' }).click();
  await expect(page.getByText('No FHIR servers yet.')).toBeVisible();

  await page.getByRole('button', { name: 'Add a FHIR server' }).click();
  await page.getByLabel('Name').fill('Main EHR');
  await page.getByLabel('Base URL').fill(fhir.baseUrl);
  await page.getByLabel('Authentication').selectOption('bearer');
  await page.getByLabel('Token').fill('ehr-bearer-token-do-not-show-0000-wxyz');
  await page.getByLabel('Sync every (seconds)').fill('');
  await page.getByLabel('Page size (_count)').fill('10');
  await page.getByRole('button', { name: 'Add source' }).click();

  const card = page.getByRole('region', { name: 'Main EHR' });
  await expect(card).toBeVisible();
  await expect(card.getByText('set (••••wxyz)')).toBeVisible();
  await expect(page.getByText('ehr-bearer-token-do-not-show')).toHaveCount(0);

  await card.getByRole('button', { name: 'Sync now' }).click();
  const bar = card.getByRole('progressbar', { name: 'FHIR sync progress' });
  await expect(bar).toBeVisible();
  await expect
    .poll(async () => Number(await bar.getAttribute('aria-valuenow')), { timeout: 30_000 })
    .toBeGreaterThan(0);
  await expect(card.getByText(/^Reading (Location|Patient|Device|Encounter|Observation)/)).toBeVisible();
  await screenshot(page, 'it-fhir-source-progress', testInfo);

  await expect(card.getByTestId('fhir-state')).toHaveText('OK', { timeout: 60_000 });
  await expect(card.getByTestId('count-fetched')).toHaveText('174');
  await expect(card.getByTestId('count-stored')).toHaveText('167');
  await expect(card.getByTestId('count-observations')).toHaveText('12');
  await expect(card.getByRole('progressbar')).toHaveCount(0);
  // The bearer token went to the server with every request.
  expect(
    fhir.requests
      .filter((r) => r.path !== '/metadata')
      .every((r) => r.headers.authorization === 'Bearer ehr-bearer-token-do-not-show-0000-wxyz'),
  ).toBe(true);
  await screenshot(page, 'it-fhir-source-done', testInfo);
});
