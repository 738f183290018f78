import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import type { Result } from '../../../shared/api/envelope';
import type { NodeHealth } from '../../../shared/api/node';
import { App } from '../../app/app';
import { createFakeClient } from '../../testing/fake-client';
import { createAppStore } from '../../app/store';
import { NODE_HEALTH, NODE_INFO } from '../../testing/fixtures';
import { pinTimeZone } from '../../testing/time-zone';

beforeEach(() => window.history.replaceState(null, '', '#/settings/node'));
afterEach(cleanup);
pinTimeZone('Europe/Berlin');

function renderNodePage(health: () => Result<NodeHealth> | Promise<Result<NodeHealth>>) {
  const fake = createFakeClient({
    'node.info': () => ({ ok: true, value: NODE_INFO }),
    'node.health': health,
    'auth.status': () => ({ ok: true, value: { hasUsers: true, demo: false } }),
  });
  // Already logged in, so the page renders at once (the login gate has its own tests).
  const store = createAppStore({
    session: { user: { username: 'demo.it', displayName: 'Demo IT', role: 'it_admin' } },
  });
  render(<App client={fake.client} store={store} />);
  return fake;
}

/** The value shown next to a term in the facts list. */
const fact = (term: string) => {
  const dt = screen.getByText(term, { selector: 'dt' });
  return dt.nextElementSibling?.textContent;
};

describe('Settings → Node', () => {
  it('shows the health formatted for people', async () => {
    const fake = renderNodePage(() => ({ ok: true, value: NODE_HEALTH }));
    await screen.findByRole('heading', { name: 'Node health' });
    expect(fact('Status')).toBe('OK');
    expect(fact('Version')).toBe('0.1.0');
    expect(fact('Uptime')).toBe('2 h 5 min');
    expect(fact('Database schema')).toBe('version 12');
    expect(fact('Database key source')).toBe('Key file');
    expect(fact('Database size')).toBe('5.0 MB');
    expect(fact('Write-ahead log')).toBe('4.0 KB');
    const checkedAt = screen.getByText(fact('Checked at') ?? '', { selector: 'time' });
    expect(checkedAt.getAttribute('datetime')).toBe(NODE_HEALTH.checkedAt);
    expect(checkedAt.textContent).toBe('2026-11-25 14:00:00');
    // The page's own heartbeat; IT's alert banner (shell) keeps a slower one of its own.
    expect(fake.subscriptions.map((s) => [s.stream, s.params])).toEqual([
      ['node.heartbeat', { intervalMs: 10_000 }],
      ['node.heartbeat', { intervalMs: 5000 }],
    ]);
  });

  it('updates live from the heartbeat stream', async () => {
    const fake = renderNodePage(() => ({ ok: true, value: NODE_HEALTH }));
    await screen.findByText('2 h 5 min');
    act(() =>
      fake.emit('node.heartbeat', {
        ...NODE_HEALTH,
        status: 'degraded',
        uptimeSeconds: 7565,
        walBytes: 3 * 1024 * 1024,
      }),
    );
    expect(fact('Uptime')).toBe('2 h 6 min');
    expect(fact('Write-ahead log')).toBe('3.0 MB');
    expect(fact('Status')).toBe('Degraded');
    expect(screen.getByText(/Live: updated every 5 s\./)).toBeTruthy();
    // With its alerts, it says why and where IT reads them.
    const alert = {
      id: 'backup-stale:backups',
      rule: 'backup-stale',
      severity: 'warning' as const,
      subject: 'backups',
      message: 'no backup folder is configured',
      since: '2026-12-01T08:00:00.000Z',
    };
    const operations = {
      disk: { freeBytes: 50e9, totalBytes: 100e9, freePercent: 50 },
      lastBackupAt: null,
      probes: [],
      alerts: [alert, { ...alert, id: 'feed-silent:bed-1', rule: 'feed-silent', subject: 'bed-1' }],
    };
    act(() => fake.emit('node.heartbeat', { ...NODE_HEALTH, status: 'degraded', operations }));
    expect(fact('Status')).toBe('Degraded: 2 alerts firing, see Health');
    expect(screen.getByRole('link', { name: 'see Health' }).getAttribute('href')).toBe('#/settings/health');
  });

  it('says so when the heartbeats stop coming', async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval', 'Date'] });
    try {
      vi.setSystemTime(new Date('2026-11-25T13:00:07Z'));
      const fake = renderNodePage(() => ({ ok: true, value: NODE_HEALTH }));
      act(() => fake.emit('node.heartbeat', NODE_HEALTH));
      expect(screen.getByText('Live: updated every 5 s. Last received at 14:00:07.')).toBeTruthy();
      act(() => {
        vi.advanceTimersByTime(15_000);
      });
      expect(screen.queryByText(/^No update since/)).toBeNull();
      act(() => {
        vi.advanceTimersByTime(5_000);
      });
      expect(
        screen.getByText('No update since 14:00:07; the connection to the node may be down.'),
      ).toBeTruthy();
      act(() => fake.emit('node.heartbeat', NODE_HEALTH));
      expect(screen.getByText(/^Live: updated every 5 s\./)).toBeTruthy();
    } finally {
      vi.useRealTimers();
    }
  });

  it('keeps the newer heartbeat when the one-off answer arrives later', async () => {
    let answer: (result: Result<NodeHealth>) => void = () => {};
    const fake = renderNodePage(() => new Promise((resolve) => (answer = resolve)));
    act(() => fake.emit('node.heartbeat', { ...NODE_HEALTH, uptimeSeconds: 10 }));
    expect(fact('Uptime')).toBe('10 s');
    await act(async () => answer({ ok: true, value: { ...NODE_HEALTH, uptimeSeconds: 5 } }));
    expect(fact('Uptime')).toBe('10 s');
  });

  it('goes back to the login page when the node wants a session again', async () => {
    const unauthenticated = { code: 'unauthenticated' as const, message: 'log in first' };
    renderNodePage(() => ({ ok: false, error: unauthenticated }));
    expect(await screen.findByText(/Your session ended/)).toBeTruthy();
    expect(screen.getByRole('heading', { name: 'Log in' })).toBeTruthy();
    expect(screen.queryByRole('heading', { name: 'Node health' })).toBeNull();
  });

  it('shows any other error with its code and message', async () => {
    renderNodePage(() => ({
      ok: false,
      error: { code: 'forbidden', message: 'the role researcher may not call node.health' },
    }));
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText("Could not load the node's health.")).toBeTruthy();
    expect(within(alert).getByText('forbidden')).toBeTruthy();
    expect(alert.textContent).toContain('the role researcher may not call node.health');
  });

  it('falls back to checking by hand when the live updates stop', async () => {
    let uptime = 7500;
    const fake = renderNodePage(() => ({ ok: true, value: { ...NODE_HEALTH, uptimeSeconds: uptime } }));
    await screen.findByText('2 h 5 min');
    act(() =>
      fake.fail('node.heartbeat', { code: 'unavailable', message: 'the node ended this live update' }),
    );
    expect(screen.getByText(/Live updates stopped:/).textContent).toContain(
      'the node ended this live update',
    );
    uptime = 9000;
    const before = fake.calls.filter((c) => c.method === 'node.health').length;
    await act(async () => fireEvent.click(screen.getByRole('button', { name: 'Check now' })));
    expect(fake.calls.filter((c) => c.method === 'node.health')).toHaveLength(before + 1);
    expect(fact('Uptime')).toBe('2 h 30 min');
  });
});
