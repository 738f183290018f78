import { spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, mllpPort, screenshot, test } from './fixtures';

const CLI = join(resolve(import.meta.dirname, '..'), 'bin', 'vitalmesh');

// A feed is silent after 6 s here (5 min by default) and the monitor checks every second.
test.use({
  nodeArgs: ['--demo'],
  nodeEnv: { VITALMESH_FEED_SILENT_MINUTES: '0.1', VITALMESH_HEALTH_CHECK_SECONDS: '1' },
});

/** Bed 8's monitor (EUI-64 …100008): a ninth bed beside the demo's eight, its own process. */
const BED_DEVICE = '0012A5FFFE100008^EUI-64';

/**
 * Issue 9's journey: IT opens Settings → Health on a demo node, sees a ninth bed's monitor
 * streaming, the monitor is switched off, and the page and the banner flag its feed as silent
 * while the demo's beds stay OK.
 */
test('IT sees a silent feed flagged on Settings → Health after one bed stops', async ({
  page,
  vmNode,
}, testInfo) => {
  test.setTimeout(120_000);
  const sim = spawn(
    CLI,
    [
      'simulate',
      '--beds',
      '1',
      '--first-bed',
      '8',
      '--units',
      'ICU',
      '--rate',
      '2',
      '--port',
      String(mllpPort(vmNode)),
    ],
    { env: vmNode.env, stdio: 'ignore' },
  );
  try {
    await page.goto(vmNode.url);
    await logIn(page, DEMO_USERNAMES.it_admin, DEMO_PASSWORD);
    await page.goto(`${vmNode.url}#/settings/health`);
    await expect(page.getByRole('link', { name: 'Health', exact: true })).toHaveAttribute(
      'aria-current',
      'page',
    );
    const feeds = page.getByRole('table', { name: 'Bedside device feeds (HL7 v2 / MLLP)' });
    const bed = feeds.getByRole('row').filter({ hasText: BED_DEVICE });
    await expect(bed).toContainText('OK', { timeout: 30_000 });

    // The monitor at bed 8 is switched off.
    const exited = new Promise((r) => sim.once('exit', r));
    sim.kill('SIGTERM');
    await exited;

    await expect(bed).toContainText('Warning', { timeout: 30_000 });
    const alerts = page.getByRole('list', { name: 'Firing alerts' });
    await expect(alerts).toContainText(`device ${BED_DEVICE} has sent nothing for`);
    await expect(page.getByRole('alert')).toContainText(`device ${BED_DEVICE} has sent nothing`);
    // The demo's beds keep streaming: they are not flagged.
    const demoBed = feeds.getByRole('row').filter({ hasText: '0012A5FFFE100000^EUI-64' });
    await expect(demoBed).toContainText('OK');
    await screenshot(page, 'it-health-silent-feed', testInfo);
  } finally {
    if (sim.exitCode === null) sim.kill('SIGTERM');
  }
});
