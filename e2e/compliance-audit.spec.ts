import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import type { APIRequestContext } from '@playwright/test';
import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, screenshot, test } from './fixtures';

test.use({ nodeArgs: ['--demo'] });

/** One API call the way a script makes it (bearer token), outside the browser's cookie jar. */
async function call(request: APIRequestContext, url: string, method: string, input: unknown, token?: string) {
  const response = await request.post(`${url}/api/${method}`, {
    data: input,
    headers: token ? { authorization: `Bearer ${token}` } : {},
  });
  return (await response.json()) as {
    ok: boolean;
    value?: { token?: string } & Record<string, unknown>;
    error?: { code: string; message: string };
  };
}

/**
 * A break-glass access to review: IT narrows the demo clinician to the ICU, and the clinician opens
 * a Ward 3 patient (the demo beds' feed makes them) first without, then with a reason.
 */
async function breakTheGlass(
  request: APIRequestContext,
  url: string,
  clinicianToken: string,
): Promise<number> {
  const it = await call(request, url, 'auth.login', {
    username: DEMO_USERNAMES.it_admin,
    password: DEMO_PASSWORD,
  });
  const users = (await call(request, url, 'users.list', {}, it.value!.token)).value as unknown as {
    id: number;
    username: string;
  }[];
  const clinician = users.find((u) => u.username === DEMO_USERNAMES.clinician)!;
  const narrowed = await call(
    request,
    url,
    'users.setUnits',
    { userId: clinician.id, units: ['ICU'] },
    it.value!.token,
  );
  expect(narrowed.ok).toBe(true);
  let outside: number | undefined;
  await expect
    .poll(
      async () => {
        for (let patientId = 1; patientId <= 40 && outside === undefined; patientId++) {
          const r = await call(request, url, 'patients.get', { patientId }, clinicianToken);
          if (r.error?.code === 'forbidden') outside = patientId;
        }
        return outside;
      },
      { timeout: 30_000, message: 'a demo patient outside the ICU' },
    )
    .toBeDefined();
  const opened = await call(
    request,
    url,
    'patients.get',
    { patientId: outside, breakGlassReason: 'covering Ward 3 during a rapid response' },
    clinicianToken,
  );
  expect(opened.ok).toBe(true);
  return outside!;
}

/**
 * Issue 3's journey: a compliance officer logs in, filters the audit for failed logins, verifies
 * the chain, and exports the filtered entries as CSV; the file on the node is what the page says
 * (its content and its SHA-256).
 */
test('compliance officer filters the audit, verifies the chain and exports CSV', async ({
  page,
  request,
  vmNode,
}, testInfo) => {
  // Something to review, made through the real API: a failed login and a refused call.
  const wrong = await call(request, vmNode.url, 'auth.login', {
    username: DEMO_USERNAMES.clinician,
    password: 'not the demo password',
  });
  expect(wrong.error?.code).toBe('unauthenticated');
  const clinician = await call(request, vmNode.url, 'auth.login', {
    username: DEMO_USERNAMES.clinician,
    password: DEMO_PASSWORD,
  });
  const clinicianToken = clinician.value!.token!;
  const refused = await call(request, vmNode.url, 'audit.search', {}, clinicianToken);
  expect(refused.error?.code).toBe('forbidden');
  const patientId = await breakTheGlass(request, vmNode.url, clinicianToken);

  await page.goto(vmNode.url);
  await logIn(page, DEMO_USERNAMES.compliance_officer, DEMO_PASSWORD);
  const nav = page.getByRole('navigation', { name: 'Main' });
  await expect(page.getByText('Demo Compliance officer · Compliance officer')).toBeVisible();
  // Compliance reads the audit, not vitals.
  await expect(nav.getByRole('link', { name: 'Live vitals' })).toHaveCount(0);
  await nav.getByRole('link', { name: 'Audit' }).click();
  await expect(page).toHaveURL(/#\/audit$/);
  const table = page.locator('table.audit-table');
  // The newest entries come first, so the officer's own login leads the page however many calls
  // the break-glass search above made.
  await expect(
    table
      .locator('tbody tr', { hasText: 'auth.login' })
      .filter({ hasText: DEMO_USERNAMES.compliance_officer })
      .first(),
  ).toBeVisible();

  // Filter: failed logins only.
  const filters = page.getByRole('form', { name: 'Audit filters' });
  await filters.getByLabel('Action').fill('auth.login');
  await filters.getByLabel('Outcome').selectOption('unauthenticated');
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(
    page.getByText(/Entries 1–1, newest first · action auth\.login, outcome unauthenticated/),
  ).toBeVisible();
  const row = table.locator('tbody tr').first();
  await expect(row).toContainText('user:demo.clinician');
  await expect(row).toContainText('unauthenticated');
  await expect(row).toContainText('anonymous');

  // The clinician's refused look at the audit is there too, under their name.
  await filters.getByLabel('Outcome').selectOption('forbidden');
  await filters.getByLabel('Action').fill('audit.search');
  await filters.getByLabel('Actor').fill(DEMO_USERNAMES.clinician);
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(table.locator('tbody tr').first()).toContainText('audit.search');
  await expect(table.locator('tbody tr').first()).toContainText('forbidden');

  // Back to the failed logins for the export.
  await filters.getByLabel('Actor').fill('');
  await filters.getByLabel('Action').fill('auth.login');
  await filters.getByLabel('Outcome').selectOption('unauthenticated');
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(page.getByText(/Entries 1–1, newest first/)).toBeVisible();

  await page.getByRole('button', { name: 'Verify chain' }).click();
  const verified = page.locator('.verify--ok');
  await expect(verified).toContainText('Chain intact');
  await expect(verified).toContainText(/\d+ entries checked, #1 to #\d+/);
  await screenshot(page, 'audit-filtered-verified', testInfo);

  await page.getByRole('button', { name: 'Export CSV' }).click();
  const done = page.locator('.export-done');
  await expect(done).toContainText('Done');
  await expect(done).toContainText('CSV: 1 entry,');
  const file = (await done.locator('.export-done__path').textContent())!;
  const sha256 = (await done.locator('.export-done__hash').textContent())!;
  expect(file.startsWith(vmNode.dataDir)).toBe(true);
  const csv = readFileSync(file, 'utf8');
  expect(createHash('sha256').update(csv).digest('hex')).toBe(sha256);
  const lines = csv.trimEnd().split('\r\n');
  expect(lines[0]).toBe(
    'seq,time,actor,role,host,remote_address,action,target,patient_id,outcome,break_glass_reason,details,mac',
  );
  expect(lines).toHaveLength(2);
  expect(lines[1]).toMatch(/,anonymous,,console,.*,auth\.login,user:demo\.clinician,,unauthenticated,/);
  await screenshot(page, 'audit-exported', testInfo);

  // The export is itself on the record, with the file's SHA-256.
  await filters.getByLabel('Outcome').selectOption('');
  await filters.getByLabel('Action').fill('audit.export.completed');
  await filters.getByRole('button', { name: 'Search' }).click();
  await expect(table.locator('tbody tr').first()).toContainText(sha256);

  // Who opened the Ward 3 patient, and who broke the glass to do it.
  await page.getByRole('tab', { name: 'Patient access report' }).click();
  await page.getByRole('tabpanel').getByLabel('Patient id').fill(String(patientId));
  await page.getByRole('button', { name: 'Show access report' }).click();
  await expect(page.getByText(`Patient ${patientId}:`, { exact: false })).toBeVisible();
  await expect(page.getByText('1 break-glass')).toBeVisible();
  const review = page.getByRole('table', { name: 'Break-glass accesses' });
  await expect(review).toContainText('Reason given: covering Ward 3 during a rapid response');
  await expect(review).toContainText(DEMO_USERNAMES.clinician);
  await screenshot(page, 'audit-patient-report', testInfo);
});
