import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { FhirSourceView, FhirSyncCounts, FhirSyncResult } from '../../../shared/api/fhir';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { FhirSourcesPanel } from './fhir-sources-panel';

afterEach(cleanup);

const counts = (over: Partial<FhirSyncCounts> = {}): FhirSyncCounts => ({
  fetched: 0,
  stored: 0,
  unchanged: 0,
  skipped: 0,
  quarantined: 0,
  retracted: 0,
  observations: 0,
  pages: 0,
  ...over,
});

const view = (over: Partial<FhirSourceView> = {}): FhirSourceView => ({
  id: 1,
  name: 'Main EHR',
  baseUrl: 'https://ehr.example.org/fhir/R4',
  auth: { kind: 'bearer', secret: 'set (••••abcd)' },
  resources: ['Patient', 'Observation'],
  intervalSeconds: 900,
  pageSize: 100,
  enabled: true,
  state: 'idle',
  lastError: null,
  lastIssues: [],
  lastCounts: null,
  lastRunAt: null,
  lastSuccessAt: null,
  quarantined: 0,
  ...over,
});

describe('Sources → FHIR servers', () => {
  it('shows a source with its masked secret, a progress bar while it syncs, and the counts when done', async () => {
    let current = view();
    let finish: (r: FhirSyncResult) => void = () => {};
    const fake = createFakeClient({
      'fhir.sources.list': () => ({ ok: true, value: { sources: [current] } }),
      'fhir.sync': () =>
        new Promise((resolve) => {
          finish = (value) => resolve({ ok: true, value });
        }),
    });
    renderAs('it_admin', <FhirSourcesPanel />, fake.client);
    const card = await screen.findByRole('region', { name: 'Main EHR' });
    expect(within(card).getByText(/set \(••••abcd\)/)).toBeTruthy();
    expect(within(card).getByTestId('fhir-state').textContent).toBe('Not synced yet');

    fireEvent.click(within(card).getByRole('button', { name: 'Sync now' }));
    expect(fake.calls.at(-1)).toEqual({ method: 'fhir.sync', input: { sourceId: 1 } });
    const progress = {
      sourceId: 1,
      runId: 'r',
      resourceType: 'Patient',
      total: 23,
      outcome: null,
      message: null,
    };
    fake.emit('fhir.syncProgress', {
      ...progress,
      phase: 'page',
      counts: counts({ fetched: 23, stored: 23, pages: 1 }),
      streamsDone: 2,
      streamsTotal: 4,
    });
    const bar = await within(card).findByRole('progressbar', { name: 'FHIR sync progress' });
    expect(bar.getAttribute('aria-valuenow')).toBe('50');
    expect(within(card).getByText('Reading Patient (23 on the server)')).toBeTruthy();
    expect(within(card).getByRole('button', { name: 'Syncing…' })).toBeTruthy();

    const done = counts({ fetched: 40, stored: 38, unchanged: 2, observations: 12, pages: 3 });
    current = view({ state: 'ok', lastCounts: done, lastRunAt: new Date().toISOString() });
    fake.emit('fhir.syncProgress', {
      ...progress,
      phase: 'finished',
      outcome: 'ok',
      counts: done,
      streamsDone: 4,
      streamsTotal: 4,
    });
    finish({ sourceId: 1, outcome: 'ok', counts: done, message: null, issues: [], durationMs: 900 });
    await waitFor(() => expect(within(card).getByTestId('fhir-state').textContent).toBe('OK'));
    expect(within(card).queryByRole('progressbar')).toBeNull();
    expect(within(card).getByTestId('count-observations').textContent).toBe('12');
  });

  it("a stopped source says why, with the server's OperationOutcome issues", async () => {
    const fake = createFakeClient({
      'fhir.sources.list': () => ({
        ok: true,
        value: {
          sources: [
            view({
              state: 'stopped',
              lastError:
                'the server refused our credentials (401 Unauthorized) when trying to search Patient: token expired',
              lastIssues: [{ severity: 'error', code: 'login', text: 'token expired' }],
            }),
          ],
        },
      }),
    });
    renderAs('it_admin', <FhirSourcesPanel />, fake.client);
    const alert = await screen.findByRole('alert');
    expect(within(alert).getByText(/refused our credentials \(401 Unauthorized\)/)).toBeTruthy();
    expect(within(alert).getByRole('list', { name: "The server's OperationOutcome" }).textContent).toBe(
      'error login token expired',
    );
    expect(screen.getByTestId('fhir-state').textContent).toBe('Stopped: credentials refused');
  });

  it("adds a SMART source; a refused key is shown with the node's reason", async () => {
    const fake = createFakeClient({
      'fhir.sources.list': () => ({ ok: true, value: { sources: [] } }),
      'fhir.sources.add': () => ({
        ok: false,
        error: { code: 'bad_request', message: 'ES384 needs an EC key on curve P-384' },
      }),
    });
    renderAs('it_admin', <FhirSourcesPanel />, fake.client);
    fireEvent.click(await screen.findByRole('button', { name: 'Add a FHIR server' }));
    fireEvent.change(screen.getByLabelText('Name'), { target: { value: 'SMART EHR' } });
    fireEvent.change(screen.getByLabelText('Base URL'), {
      target: { value: 'https://ehr.example.org/fhir/R4' },
    });
    fireEvent.change(screen.getByLabelText('Authentication'), { target: { value: 'smart' } });
    fireEvent.change(screen.getByLabelText('Client id'), { target: { value: 'vm' } });
    fireEvent.change(screen.getByLabelText('Algorithm'), { target: { value: 'ES384' } });
    fireEvent.change(screen.getByLabelText('Private key (PKCS#8 PEM)'), { target: { value: 'PEM' } });
    fireEvent.click(screen.getByRole('button', { name: 'Add source' }));
    await screen.findByText('The source was not added.');
    expect(fake.calls.at(-1)).toMatchObject({
      method: 'fhir.sources.add',
      input: {
        name: 'SMART EHR',
        auth: { kind: 'smart', clientId: 'vm', algorithm: 'ES384', privateKey: 'PEM' },
      },
    });
    expect(screen.getByText('ES384 needs an EC key on curve P-384')).toBeTruthy();
  });
});
