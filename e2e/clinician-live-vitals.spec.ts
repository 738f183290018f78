import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEMO_PASSWORD, DEMO_USERNAMES } from '../main/auth/demo-users';
import { expect, logIn, mllpPort, screenshot, test } from './fixtures';

test.use({ nodeArgs: ['--demo'] });

const CLI = join(resolve(import.meta.dirname, '..'), 'bin', 'vitalmesh');

/**
 * Issue 5's journey: a clinician logs in, watches the demo unit update live, a value crosses a
 * limit (their own limit, set in the patient view's editor: deterministic) and the tile alarms;
 * they see the patient's trends with the limit lines, and acknowledge the alarm.
 */
test('a clinician watches the unit live, sees an alarm, opens the patient and acknowledges it', async ({
  page,
  vmNode,
}, testInfo) => {
  test.setTimeout(120_000);
  await page.goto(vmNode.url);
  await logIn(page, DEMO_USERNAMES.clinician, DEMO_PASSWORD);
  await expect(page.getByRole('heading', { level: 1, name: 'Live vitals' })).toBeVisible();
  const grid = page.getByRole('list', { name: /^Beds on / });
  const tile = grid.locator('a.tile').first();
  // Generous waits: the demo beds connect and send within seconds, but these machines are shared.
  await expect(tile).toBeVisible({ timeout: 30_000 });

  // Live: the first bed's HR changes without a reload.
  const hr = tile.locator('.num--big').first().locator('.num__value');
  await expect(hr).not.toHaveText('--', { timeout: 30_000 });
  const firstHr = await hr.textContent();
  const firstAge = await tile.locator('.num__age').first().textContent();
  await expect
    .poll(async () => `${await hr.textContent()}|${await tile.locator('.num__age').first().textContent()}`, {
      timeout: 15_000,
    })
    .not.toBe(`${firstHr}|${firstAge}`);

  // Keyboard: focus the first tile and open it with Enter.
  const patientId = Number(await tile.getAttribute('data-patient-id'));
  const alarmed = grid.locator(`a.tile[data-patient-id="${patientId}"]`);
  await alarmed.focus();
  await page.keyboard.press('Enter');
  await expect(page).toHaveURL(new RegExp(`#/patients/${patientId}$`));
  const view = page.getByRole('region', { name: 'Patient' });
  await expect(view.getByRole('heading', { level: 2 })).not.toHaveText(/^Patient \d+$/);

  // Deterministic alarm: the clinician raises this patient's HR low limit above any plausible HR,
  // through the limits editor; first a low ≥ high, refused on its field.
  const limits = view.getByRole('region', { name: 'Alarm limits for this patient' });
  await limits.getByRole('button', { name: 'Edit Heart rate limits' }).click();
  const form = limits.getByRole('form', { name: /^Heart rate alarm limits/ });
  await form.getByLabel('Low', { exact: true }).fill('250');
  await form.getByRole('button', { name: 'Save Heart rate limits' }).click();
  await expect(form.getByLabel('Low', { exact: true })).toHaveAttribute('aria-invalid', 'true');
  await expect(form.getByText(/^Low must be below high/)).toBeVisible();
  await form.getByLabel('Critical low', { exact: true }).fill('30');
  await form.getByLabel('Low', { exact: true }).fill('180');
  await form.getByLabel('High', { exact: true }).fill('220');
  await form.getByLabel('Critical high', { exact: true }).fill('250');
  await form.getByRole('button', { name: 'Save Heart rate limits' }).click();
  await expect(limits.getByText('Heart rate limits saved.')).toBeVisible();
  await expect(limits.getByRole('row', { name: /^Heart rate/ })).toContainText('This patient');
  const active = view.getByRole('region', { name: 'Active alarms' });
  await expect(active.getByText(/HR \d+ < 180/)).toBeVisible({ timeout: 20_000 });

  // The unit's tile reacts: alarm colour and the alarm in words.
  await view.getByRole('link', { name: '← Unit' }).click();
  await expect(alarmed).toHaveClass(/tile--medium/, { timeout: 20_000 });
  await expect(alarmed.locator('.tile__alarm-text')).toHaveText(/^HR \d+ < 180$/);
  await screenshot(page, 'unit-view-1280x720', testInfo);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await screenshot(page, 'unit-view-1920x1080', testInfo);
  await page.setViewportSize({ width: 1280, height: 720 });

  await alarmed.click();
  await expect(page).toHaveURL(new RegExp(`#/patients/${patientId}$`));
  const hrChart = view.locator('figure.trend', { hasText: 'HR' }).first();
  await expect(hrChart.locator('canvas')).toBeVisible();
  await expect(hrChart.locator('.trend__summary')).toHaveText(
    /points, latest \d+ · limits 180–220 \(critical 30–250, set for this patient\)/,
  );
  await expect(active.getByText(/HR \d+ < 180/)).toBeVisible();
  await expect(view.locator('.pv__history')).toContainText('< 180');
  await screenshot(page, 'patient-view-before-ack-1280x720', testInfo);

  await active.getByRole('button', { name: 'Acknowledge (silence 2 min)' }).click();
  await expect(active.getByRole('button', { name: 'Acknowledged' })).toBeDisabled();
  await expect(active).toContainText(`acknowledged by ${DEMO_USERNAMES.clinician}`);
  await screenshot(page, 'patient-view-1280x720', testInfo);
  await page.setViewportSize({ width: 1920, height: 1080 });
  await screenshot(page, 'patient-view-1920x1080', testInfo);

  // Back on the unit, the tile still shows the alarm, marked acknowledged (it stays until it clears).
  await page.goto(`${vmNode.url}/#/live`);
  await expect(grid.locator(`a.tile[data-patient-id="${patientId}"] .tile__alarm-ack`)).toBeVisible();
});

/**
 * 100 beds updating at 1 Hz: the unit view keeps rendering. Over 10 s, each frame's main-thread
 * time (from its start to the end of its rendering, Performance API clock) and the interval
 * between frames are recorded as an artifact; the 16 ms median is a target to read, not a flaky
 * assertion.
 */
test('the unit view keeps rendering with 100 beds updating', async ({ page, vmNode }, testInfo) => {
  test.setTimeout(150_000);
  const sim = spawn(
    CLI,
    // From bed 8 on: the demo's own beds are 0–7, and sharing their MRNs would move patients
    // between ICU and Ward 3 with every message.
    [
      'simulate',
      '--beds',
      '100',
      '--first-bed',
      '8',
      '--units',
      'ICU',
      '--port',
      String(mllpPort(vmNode)),
      '--seed',
      '5',
    ],
    { env: vmNode.env, stdio: 'ignore' },
  );
  try {
    await page.goto(vmNode.url);
    await logIn(page, DEMO_USERNAMES.clinician, DEMO_PASSWORD);
    const tiles = page.getByRole('list', { name: 'Beds on ICU' }).locator('a.tile');
    // The demo's own ICU beds plus the simulator's 100.
    await expect.poll(() => tiles.count(), { timeout: 60_000 }).toBeGreaterThanOrEqual(100);
    const frames = await page.evaluate(
      () =>
        new Promise<{ work: number[]; intervals: number[] }>((done) => {
          // e2e is typed for Node (no DOM lib); the page has requestAnimationFrame.
          const raf = (
            globalThis as unknown as { requestAnimationFrame: (cb: (t: number) => void) => number }
          ).requestAnimationFrame.bind(globalThis);
          const work: number[] = [];
          const intervals: number[] = [];
          // A message posted from a rAF callback runs as the first task after that frame's
          // rendering (style, layout, paint) is done, so its arrival minus the frame's start is
          // the main-thread time the frame took, including the live updates queued before it.
          // The rAF interval alone can't show that: at 60 Hz it never reads under 16.7 ms.
          const channel = new MessageChannel() as unknown as {
            port1: { onmessage: () => void };
            port2: { postMessage: (message: null) => void };
          };
          let frameStart = 0;
          channel.port1.onmessage = () => work.push(performance.now() - frameStart);
          let last = performance.now();
          const end = last + 10_000;
          const step = (t: number) => {
            intervals.push(t - last);
            last = t;
            frameStart = t;
            channel.port2.postMessage(null);
            if (t < end) raf(step);
            else setTimeout(() => done({ work, intervals }), 50);
          };
          raf(step);
        }),
    );
    const quantiles = (values: number[]) => {
      const sorted = [...values].sort((a, b) => a - b);
      const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
      const round = (ms: number) => Math.round(ms * 100) / 100;
      return { median: round(at(0.5)), p95: round(at(0.95)), max: round(sorted.at(-1) ?? 0) };
    };
    const work = quantiles(frames.work);
    const interval = quantiles(frames.intervals);
    const result = {
      beds: await tiles.count(),
      frames: frames.work.length,
      medianFrameMs: work.median,
      p95FrameMs: work.p95,
      maxFrameMs: work.max,
      targetMedianFrameMs: 16,
      medianFrameIntervalMs: interval.median,
      p95FrameIntervalMs: interval.p95,
      // A frame is dropped when the next one came more than one and a half vsyncs later.
      droppedFrames: frames.intervals.filter((ms) => ms > 25).length,
    };
    const file = testInfo.outputPath('unit-view-100-beds-frames.json');
    writeFileSync(file, JSON.stringify(result, null, 2));
    await testInfo.attach('frame-times', { path: file, contentType: 'application/json' });
    console.log(`unit view, 100 beds: ${JSON.stringify(result)}`);
    await screenshot(page, 'unit-view-100-beds-1280x720', testInfo);
    // It rendered: frames kept coming and the tiles show values.
    expect(result.frames).toBeGreaterThan(50);
    await expect(tiles.nth(99).locator('.num__value').first()).not.toHaveText('--');
  } finally {
    sim.kill('SIGINT');
  }
});
