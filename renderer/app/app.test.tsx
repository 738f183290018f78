import { act, cleanup, fireEvent, render, screen, waitFor, within } from '@testing-library/react';
import { StrictMode } from 'react';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createFakeClient } from '../testing/fake-client';
import { COMPLIANCE_ME, NODE_HEALTH, NODE_INFO } from '../testing/fixtures';
import { App } from './app';
import { SCREENS } from './routes';
import { createAppStore } from './store';

const goTo = (hash: string) => window.history.replaceState(null, '', hash);

beforeEach(() => goTo('#/live'));
afterEach(cleanup);

const nodeAnswers = () =>
  createFakeClient({
    'node.info': () => ({ ok: true, value: NODE_INFO }),
    'node.health': () => ({ ok: true, value: NODE_HEALTH }),
    // Logged in already (a session cookie); the login gate has its own tests.
    'auth.me': () => ({ ok: true, value: COMPLIANCE_ME }),
  });

const mainNav = () => screen.getByRole('navigation', { name: 'Main' });

describe('shell', () => {
  it("shows the node's identity in the sidebar", async () => {
    render(<App client={nodeAnswers().client} />);
    const facility = await screen.findByText(/St\. Example Regional Hospital/);
    expect(within(facility).getByText('Demo')).toBeTruthy();
    expect(screen.getByText(/Version 0\.1\.0 · Web console/)).toBeTruthy();
    expect(screen.getByText(/Demo node: its data is for demonstration only/)).toBeTruthy();
  });

  it('shows why the node info is missing', async () => {
    const fake = createFakeClient({
      'node.info': () => ({
        ok: false,
        error: { code: 'unavailable', message: "the node can't be reached" },
      }),
      'auth.me': () => ({ ok: true, value: COMPLIANCE_ME }),
    });
    render(<App client={fake.client} />);
    const alert = await screen.findByRole('alert');
    expect(alert.textContent).toContain('unavailable');
    expect(alert.textContent).toContain("the node can't be reached");
  });

  it('navigates to every screen in its navigation by its link, marking it current', async () => {
    render(<App client={nodeAnswers().client} />);
    await screen.findByText(/St\. Example Regional Hospital/);
    const labels = within(mainNav())
      .getAllByRole('link')
      .map((link) => link.textContent);
    expect(labels.length).toBeGreaterThan(1);
    for (const target of SCREENS.filter((s) => labels.includes(s.label) && s.id !== 'settings')) {
      fireEvent.click(within(mainNav()).getByRole('link', { name: target.label }));
      await waitFor(() => expect(screen.getByRole('heading', { level: 1 }).textContent).toBe(target.label));
      expect(window.location.hash).toBe(`#${target.path}`);
      const current = within(mainNav())
        .getAllByRole('link')
        .filter((link) => link.getAttribute('aria-current') === 'page');
      expect(current.map((link) => link.textContent)).toEqual([target.label]);
      expect(document.title).toBe(`${target.label} · VitalMesh`);
    }
  });

  it('opens Settings on its Node page, marked current in both navigations', async () => {
    const fake = nodeAnswers();
    render(<App client={fake.client} />);
    await screen.findByRole('navigation', { name: 'Main' });
    fireEvent.click(within(mainNav()).getByRole('link', { name: 'Settings' }));
    await waitFor(() => expect(window.location.hash).toBe('#/settings/node'));
    expect(within(mainNav()).getByRole('link', { name: 'Settings' }).getAttribute('aria-current')).toBe(
      'page',
    );
    const subnav = screen.getByRole('navigation', { name: 'Settings' });
    expect(within(subnav).getByRole('link', { name: 'Node' }).getAttribute('aria-current')).toBe('page');
    expect(await screen.findByText('2 h 5 min')).toBeTruthy();
  });

  it('follows the hash when it changes outside the app (back, forward, typed)', async () => {
    const store = createAppStore();
    render(<App client={nodeAnswers().client} store={store} />);
    act(() => {
      window.location.hash = '#/audit';
    });
    await waitFor(() => expect(store.getState().route).toEqual({ screen: 'audit' }));
    expect(screen.getByRole('heading', { level: 1 }).textContent).toBe('Audit');
  });

  it('says so when there is no page at the address', async () => {
    goTo('#/no-such-page');
    render(<App client={nodeAnswers().client} />);
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('Page not found');
    expect(screen.getByText('#/no-such-page')).toBeTruthy();
    expect(screen.getByRole('link', { name: 'Go to Live vitals' }).getAttribute('href')).toBe('#/live');
    expect(within(mainNav()).queryAllByRole('link', { current: 'page' })).toEqual([]);
  });

  it('opens on Live vitals when there is no hash', async () => {
    goTo(window.location.pathname);
    render(<App client={nodeAnswers().client} />);
    expect(window.location.hash).toBe('#/live');
    expect((await screen.findByRole('heading', { level: 1 })).textContent).toBe('Live vitals');
  });

  it('shows the logged-in user from the session slice', () => {
    const store = createAppStore({
      session: { user: { username: 'ahmed', displayName: 'Dr. Ahmed', role: 'clinician' } },
    });
    render(<App client={nodeAnswers().client} store={store} />);
    expect(screen.getByText('Dr. Ahmed · Clinician')).toBeTruthy();
    act(() => store.getState().setSession({}));
    expect(screen.queryByText('Dr. Ahmed · Clinician')).toBeNull();
  });

  it('leaves no subscription behind in StrictMode', async () => {
    goTo('#/settings/node');
    const fake = nodeAnswers();
    const view = render(
      <StrictMode>
        <App client={fake.client} />
      </StrictMode>,
    );
    await screen.findByText('2 h 5 min');
    expect(fake.active('node.heartbeat')).toHaveLength(1);
    view.unmount();
    expect(fake.active('node.heartbeat')).toHaveLength(0);
  });
});
