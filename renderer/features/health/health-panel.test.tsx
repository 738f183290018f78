import { cleanup, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { NodeHealth } from '../../../shared/api/node';
import { App } from '../../app/app';
import { createAppStore } from '../../app/store';
import { createFakeClient } from '../../testing/fake-client';
import { NODE_HEALTH, NODE_INFO } from '../../testing/fixtures';
import { pinTimeZone } from '../../testing/time-zone';

pinTimeZone('Europe/Berlin');
beforeEach(() => window.history.replaceState(null, '', '#/settings/health'));
afterEach(cleanup);

const DEVICE = '0012A5FFFE100000^EUI-64';
const HEALTH: NodeHealth = {
  ...NODE_HEALTH,
  status: 'degraded',
  operations: {
    disk: { freeBytes: 40e9, totalBytes: 100e9, freePercent: 40 },
    lastBackupAt: null,
    alerts: [
      {
        id: `feed-silent:device:${DEVICE}`,
        rule: 'feed-silent',
        severity: 'warning',
        subject: `device:${DEVICE}`,
        message: `device ${DEVICE} has sent nothing for 400 s (alert after 5 min)`,
        since: '2026-03-01T10:00:00.000Z',
      },
    ],
    probes: [
      {
        id: 'hl7',
        label: 'Bedside device feeds (HL7 v2 / MLLP)',
        status: 'warning',
        summary: '1 connected, 1 silent of 2 devices',
        items: [
          { name: 'listener', status: 'ok', facts: { connections: 1, rejectedRate: 0 } },
          {
            name: DEVICE,
            status: 'warning',
            facts: { lastMessageAt: '2026-03-01T09:53:20.000Z', lastMessageAgeSeconds: 400, silent: true },
          },
          {
            name: '0012A5FFFE100001^EUI-64',
            status: 'ok',
            facts: { lastMessageAt: '2026-03-01T10:00:19.000Z', lastMessageAgeSeconds: 1, silent: false },
          },
        ],
      },
    ],
  },
};

function renderAs(role: 'it_admin' | 'clinician') {
  const fake = createFakeClient({
    'node.info': () => ({ ok: true, value: NODE_INFO }),
    'node.health': () => ({ ok: true, value: HEALTH }),
    'auth.status': () => ({ ok: true, value: { hasUsers: true, demo: false } }),
    'backups.status': () => ({
      ok: true,
      value: { configured: false, dir: null, intervalHours: null, keep: null, lastSuccess: null, recent: [] },
    }),
  });
  const store = createAppStore({ session: { user: { username: 'u', displayName: 'U', role } } });
  render(<App client={fake.client} store={store} />);
  return fake;
}

describe('Settings → Health', () => {
  it('shows IT the firing alert in the banner and the page, and the silent device flagged', async () => {
    renderAs('it_admin');
    const banner = await screen.findByRole('alert');
    expect(banner.textContent).toMatch(/1 alert: device .* has sent nothing/);
    const list = await screen.findByRole('list', { name: 'Firing alerts' });
    expect(within(list).getByText(/has sent nothing for 400 s/)).toBeTruthy();
    const feeds = screen.getByRole('table', { name: 'Bedside device feeds (HL7 v2 / MLLP)' });
    const row = within(feeds).getByText(DEVICE).closest('tr')!;
    expect(within(row).getByText('Warning')).toBeTruthy();
    // Fact names in sentence case like Name and Status; times in local date and time (UTC+01:00), not ISO.
    expect(within(feeds).getByRole('columnheader', { name: 'Last message age (s)' })).toBeTruthy();
    expect(within(row).getByText('2026-03-01 10:53:20')).toBeTruthy();
    expect(within(feeds).queryByText(/T09:53:20/)).toBeNull();
    expect(await screen.findByText(/No backup folder is configured/)).toBeTruthy();
  });

  it('shows a clinician neither the banner nor the page', async () => {
    const fake = renderAs('clinician');
    expect(await screen.findByText('Only facility IT watches the node’s health and backups.')).toBeTruthy();
    expect(screen.queryByRole('alert')).toBeNull();
    expect(fake.subscriptions.filter((s) => s.stream === 'node.heartbeat')).toHaveLength(0);
  });
});
