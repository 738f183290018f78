import { connect } from 'node:net';
import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, mllpPort, screenshot, test } from './fixtures';

test.use({ nodeArgs: ['--demo'] });

/** One message in an MLLP frame over a raw socket, as a misbehaving device would send it; the ACK text. */
function sendRaw(port: number, message: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(`\x0b${message}\x1c\r`));
    let got = '';
    socket.on('data', (d: Buffer) => {
      got += d.toString('utf8');
      const end = got.indexOf('\x1c\r');
      if (end >= 0) {
        socket.end();
        resolve(got.slice(got.indexOf('\x0b') + 1, end));
      }
    });
    socket.on('error', reject);
    socket.setTimeout(10_000, () => reject(new Error('no ACK within 10 s')));
  });
}

/**
 * Issue 4's journey: facility IT opens Sources → Bedside devices on a demo node, sees the simulated
 * monitors connected and messages/s rising, then a device sends a broken message: it lands in the
 * quarantine with its reason and ACK, the patient in it masked for IT.
 */
test('IT sees the bedside-device listener live and a bad message in the quarantine', async ({
  page,
  vmNode,
}, testInfo) => {
  test.setTimeout(120_000);
  await page.goto(vmNode.url);
  await logIn(page, DEMO_USERNAMES.it_admin, DEMO_PASSWORD);
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Sources' }).click();
  await expect(page.getByRole('heading', { level: 1, name: 'Sources' })).toBeVisible();
  await expect(page.getByRole('tab', { name: 'Bedside devices' })).toHaveAttribute('aria-selected', 'true');
  await expect(page.getByText('Listening')).toBeVisible();

  // The demo's eight simulated beds are connected, and messages/s climbs as they stream.
  await expect(page.getByTestId('connection-count')).toHaveText('8', { timeout: 20_000 });
  const rate = page.getByTestId('messages-per-second');
  const first = Number(await rate.textContent());
  await expect.poll(async () => Number(await rate.textContent()), { timeout: 20_000 }).toBeGreaterThan(first);
  await expect(page.getByRole('table', { name: /Connected senders \(8\)/ }).getByRole('row')).toHaveCount(9);
  await expect(page.getByRole('table', { name: /Devices, last heard from/ }).getByRole('row')).toHaveCount(9);

  // A device sends a message whose SpO2 isn't a number: AE, kept in the quarantine.
  const bad = [
    'MSH|^~\\&|ACME_GW^0012A5FFFE00BEEF^EUI-64|ICU|VitalMesh|FACILITY|20260301101500+0000||ORU^R01^ORU_R01|E2E-BAD-1|P|2.6',
    'PID|||E2E-MRN-42^^^SIMHOSP^MR||Quarantaine^Zoë||19700101|F',
    'PV1||I|ICU^101^A',
    'OBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|ninety-eight|262688^MDC_DIM_PERCENT^MDC|||||R|||20260301101500+0000',
  ].join('\r');
  const ack = await sendRaw(mllpPort(vmNode), bad);
  expect(ack).toMatch(/MSA\|AE\|E2E-BAD-1/);

  const quarantine = page.getByRole('table', { name: /Quarantine/ });
  const row = quarantine.getByRole('row').filter({ hasText: 'E2E-BAD-1' });
  await expect(row).toBeVisible({ timeout: 15_000 });
  await expect(row).toContainText('OBX-5 "ninety-eight" is not a number although OBX-2 is NM');
  await expect(row).toContainText('AE');
  await row.getByRole('button', { name: 'Show message' }).click();
  const raw = page.getByLabel('Raw HL7 message');
  await expect(raw).toContainText('E2E-BAD-1');
  await expect(raw).toContainText('PID|||***||***||***|***');
  // IT runs the interface but may not read PHI: the name, MRN and birth date never reach the page.
  await expect(raw).not.toContainText('Quarantaine');
  await expect(raw).not.toContainText('E2E-MRN-42');
  await expect(raw).not.toContainText('19700101');
  await expect(page.getByText('patient fields masked: your role may not read PHI')).toBeVisible();
  await expect(page.getByLabel('ACK sent')).toContainText('MSA|AE|E2E-BAD-1');
  await expect(page.getByTestId('total-rejected')).not.toHaveText('0');

  // Replayed from the quarantine, it is read again with the settings of now: still not a number,
  // so it is rejected again, as a new kept message that names who replayed it.
  await quarantine
    .getByRole('row')
    .filter({ hasText: 'E2E-BAD-1' })
    .getByRole('button', { name: 'Replay' })
    .click();
  await expect(quarantine.getByRole('status')).toHaveText(
    'Replayed: rejected again (AE), for the same reason',
  );
  await expect(
    quarantine.getByRole('row').filter({ hasText: `replay by ${DEMO_USERNAMES.it_admin}` }),
  ).toBeVisible({
    timeout: 15_000,
  });

  // From the top, so the tables' sticky headers sit where they belong in the full-page capture.
  await page.evaluate('window.scrollTo(0, 0)');
  await screenshot(page, 'it-bedside-devices', testInfo);
});
