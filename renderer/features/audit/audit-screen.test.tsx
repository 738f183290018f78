import { cleanup, configure, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AuditEntryView, AuditExportStatus } from '../../../shared/api/audit';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { pinTimeZone } from '../../testing/time-zone';
import { AuditScreen } from './audit-screen';

afterEach(cleanup);
pinTimeZone('Europe/Berlin');
// Rendering a page of 50 dense rows can take over a second on a loaded machine.
configure({ asyncUtilTimeout: 5000 });

const entry = (seq: number, over: Partial<AuditEntryView> = {}): AuditEntryView => ({
  seq,
  at: new Date(Date.UTC(2026, 10, 25, 12, 0, seq)).toISOString(),
  actor: 'nurse.ana',
  role: 'clinician',
  host: 'console',
  remoteAddress: '127.0.0.1',
  action: 'patients.get',
  target: null,
  patientId: 7,
  outcome: 'ok',
  breakGlassReason: null,
  details: null,
  ...over,
});

/** 120 entries, newest first, paged like the node pages them (by `before`). */
const ALL = Array.from({ length: 120 }, (_, i) => entry(120 - i));

function setup(answers: Parameters<typeof createFakeClient>[0] = {}) {
  const fake = createFakeClient({
    'audit.search': ({ before, limit = 50 }) => {
      const rows = ALL.filter((e) => before === undefined || e.seq < before);
      const page = rows.slice(0, limit);
      return {
        ok: true,
        value: { entries: page, nextBefore: rows.length > limit ? page.at(-1)!.seq : null },
      };
    },
    ...answers,
  });
  renderAs('compliance_officer', <AuditScreen />, fake.client);
  return fake;
}

const searches = (fake: ReturnType<typeof createFakeClient>) =>
  fake.calls.filter((c) => c.method === 'audit.search').map((c) => c.input);

// A page is 50 dense rows; jsdom on a shared, loaded machine needs more than the default 5 s.
describe('Audit screen', { timeout: 30_000 }, () => {
  it('pages newest first, and goes back to exactly the newer page', async () => {
    const fake = setup();
    expect(await screen.findByText(/Entries 1–50, newest first/)).toBeTruthy();
    expect(screen.getByRole('cell', { name: '120' })).toBeTruthy();
    // Local time (12:02:00Z in Berlin), with the offset in the column header.
    expect(screen.getByRole('columnheader', { name: 'Time (UTC+01:00)' })).toBeTruthy();
    expect(screen.getByRole('cell', { name: '2026-11-25 13:02:00' })).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Older →' }));
    expect(await screen.findByText(/Entries 51–100/)).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Older →' }));
    expect(await screen.findByText(/Entries 101–120/)).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Older →' }).disabled).toBe(true);
    fireEvent.click(screen.getByRole('button', { name: '← Newer' }));
    expect(await screen.findByText(/Entries 51–100/)).toBeTruthy();
    expect(searches(fake)).toEqual([
      { limit: 50 },
      { before: 71, limit: 50 },
      { before: 21, limit: 50 },
      { before: 71, limit: 50 },
    ]);
  });

  it('searches with the filters given, and starts again at the newest page', async () => {
    const fake = setup();
    await screen.findByText(/Entries 1–50/);
    fireEvent.click(screen.getByRole('button', { name: 'Older →' }));
    await screen.findByText(/Entries 51–100/);
    const form = within(screen.getByRole('form', { name: 'Audit filters' }));
    fireEvent.change(form.getByLabelText('From'), { target: { value: '2026-11-25T08:00' } });
    fireEvent.change(form.getByLabelText('Actor'), { target: { value: ' nurse.ana ' } });
    fireEvent.change(form.getByLabelText('Action'), { target: { value: 'patients.get' } });
    fireEvent.change(form.getByLabelText('Patient id'), { target: { value: '7' } });
    fireEvent.change(form.getByLabelText('Outcome'), { target: { value: 'forbidden' } });
    fireEvent.click(form.getByLabelText('Break-glass only'));
    fireEvent.click(form.getByRole('button', { name: 'Search' }));
    await waitFor(() =>
      expect(searches(fake).at(-1)).toEqual({
        from: new Date('2026-11-25T08:00').toISOString(),
        actor: 'nurse.ana',
        action: 'patients.get',
        patientId: 7,
        outcome: 'forbidden',
        breakGlass: true,
        limit: 50,
      }),
    );
    expect(
      await screen.findByText(/Entries 1–50, newest first · from 2026-11-25 08:00:00, actor nurse\.ana/),
    ).toBeTruthy();
  });

  it('refuses a filter that makes no sense, on its field, without asking the node', async () => {
    const fake = setup();
    await screen.findByText(/Entries 1–50/);
    const form = within(screen.getByRole('form', { name: 'Audit filters' }));
    fireEvent.change(form.getByLabelText('Patient id'), { target: { value: 'Smith' } });
    fireEvent.click(form.getByRole('button', { name: 'Search' }));
    expect(form.getByLabelText('Patient id').getAttribute('aria-invalid')).toBe('true');
    expect(form.getByText('a patient id is a whole number')).toBeTruthy();
    fireEvent.change(form.getByLabelText('Patient id'), { target: { value: '' } });
    fireEvent.change(form.getByLabelText('From'), { target: { value: '2026-11-25T09:00' } });
    fireEvent.change(form.getByLabelText('To'), { target: { value: '2026-11-25T08:00' } });
    fireEvent.click(form.getByRole('button', { name: 'Search' }));
    expect(form.getByText('is before "From"')).toBeTruthy();
    expect(searches(fake)).toHaveLength(1);
  });

  it('marks break-glass entries and refused calls in the table', async () => {
    setup({
      'audit.search': () => ({
        ok: true,
        value: {
          entries: [
            entry(3, { breakGlassReason: 'rapid response on Ward 3' }),
            entry(2, { outcome: 'forbidden', actor: 'it.ian', role: 'it_admin' }),
            entry(1),
          ],
          nextBefore: null,
        },
      }),
    });
    const reason = await screen.findByText(/Reason given: rapid response on Ward 3/);
    expect(within(reason.closest('tr')!).getByText('Break-glass')).toBeTruthy();
    expect(screen.getByRole('cell', { name: '3' }).closest('tr')!.className).toContain('break-glass');
    expect(within(screen.getByRole('table')).getByText('forbidden').className).toContain('outcome--refused');
  });

  it('verifies the chain and says it is intact, with the count', async () => {
    setup({
      'audit.verify': () => ({
        ok: true,
        value: {
          ok: true,
          checked: 12345,
          lastSeq: 12345,
          verifiedAt: '2026-11-25T12:00:00.000Z',
          durationMs: 41,
        },
      }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    const status = await screen.findByText(/Chain intact/);
    expect(status.closest('[role=status]')!.textContent).toMatch(
      /12,345 entries checked, #1 to #12,345, in 41 ms/,
    );
  });

  it('names the first broken entry when the chain is broken', async () => {
    setup({
      'audit.verify': () => ({
        ok: true,
        value: {
          ok: false,
          checked: 56,
          lastSeq: 56,
          firstBroken: { seq: 57, problem: 'altered' },
          verifiedAt: '2026-11-25T12:00:00.000Z',
          durationMs: 3,
        },
      }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Verify chain' }));
    const status = (await screen.findByText(/Chain broken/)).closest('[role=status]')!;
    expect(status.textContent).toMatch(/first broken at entry #57 \(altered\)/);
    expect(status.textContent).toMatch(/Entries #1 to #56 verified/);
  });

  it('exports the filtered entries as CSV with progress, then shows the file and its SHA-256', async () => {
    const base: AuditExportStatus = {
      exportId: 'e1',
      format: 'csv',
      state: 'running',
      written: 0,
      total: 3000,
    };
    const polls: AuditExportStatus[] = [
      { ...base, written: 2000 },
      {
        ...base,
        state: 'done',
        written: 3000,
        file: '/var/lib/vitalmesh/exports/audit/audit-2026-e1.csv',
        sha256: 'ab'.repeat(32),
        bytes: 420_000,
      },
    ];
    const fake = setup({
      'audit.export': () => ({ ok: true, value: base }),
      'audit.exportStatus': () => ({ ok: true, value: polls.shift()! }),
    });
    await screen.findByText(/Entries 1–50/);
    const form = within(screen.getByRole('form', { name: 'Audit filters' }));
    fireEvent.change(form.getByLabelText('Actor'), { target: { value: 'nurse.ana' } });
    fireEvent.click(form.getByRole('button', { name: 'Search' }));
    fireEvent.click(screen.getByRole('button', { name: 'Export CSV' }));
    expect(await screen.findByText('Writing CSV: 2,000 of 3,000 entries…')).toBeTruthy();
    expect(screen.getByRole<HTMLButtonElement>('button', { name: 'Export CSV' }).disabled).toBe(true);
    expect(await screen.findByText('/var/lib/vitalmesh/exports/audit/audit-2026-e1.csv')).toBeTruthy();
    expect(screen.getByText('ab'.repeat(32))).toBeTruthy();
    expect(screen.getByText(/CSV: 3,000 entries, 410 KB/)).toBeTruthy();
    expect(fake.calls.find((c) => c.method === 'audit.export')?.input).toEqual({
      format: 'csv',
      filter: { actor: 'nurse.ana' },
    });
  });

  it('says why an export did not start', async () => {
    setup({
      'audit.export': () => ({ ok: false, error: { code: 'unavailable', message: 'the data disk is full' } }),
    });
    fireEvent.click(screen.getByRole('button', { name: 'Export FHIR NDJSON' }));
    expect((await screen.findByRole('alert')).textContent).toContain('the data disk is full');
  });

  it('reports every access to one patient, break-glass entries highlighted for review', async () => {
    const fake = setup({
      'audit.patientReport': ({ patientId }) => ({
        ok: true,
        value: {
          patientId,
          total: 3,
          breakGlass: 1,
          byActor: [
            {
              actor: 'nurse.ana',
              role: 'clinician',
              count: 2,
              firstAt: ALL[0]!.at,
              lastAt: ALL[1]!.at,
              breakGlass: 0,
            },
            {
              actor: 'dr.bo',
              role: 'clinician',
              count: 1,
              firstAt: ALL[2]!.at,
              lastAt: ALL[2]!.at,
              breakGlass: 1,
            },
          ],
          entries: [
            entry(3, { actor: 'dr.bo', breakGlassReason: 'covering ICU overnight' }),
            entry(2),
            entry(1),
          ],
          truncated: false,
        },
      }),
    });
    const tab = screen.getByRole('tab', { name: 'Entries' });
    tab.focus();
    // Keyboard: the arrow key moves to the report tab.
    fireEvent.keyDown(tab, { key: 'ArrowRight' });
    expect(screen.getByRole('tab', { name: 'Patient access report' }).getAttribute('aria-selected')).toBe(
      'true',
    );
    fireEvent.change(screen.getByLabelText('Patient id'), { target: { value: '7' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show access report' }));
    expect(await screen.findByText(/Patient 7: 3 accesses by 2 people/)).toBeTruthy();
    expect(screen.getByText('1 break-glass')).toBeTruthy();
    // The per-person summary comes first; dr.bo's row there is marked too.
    expect(screen.getAllByRole('cell', { name: 'dr.bo' })[0]!.closest('tr')!.className).toContain(
      'break-glass',
    );
    expect(screen.getByRole('heading', { name: 'Break-glass accesses (for review)' })).toBeTruthy();
    expect(screen.getAllByText(/Reason given: covering ICU overnight/)).toHaveLength(2);
    expect(fake.calls.find((c) => c.method === 'audit.patientReport')?.input).toEqual({ patientId: 7 });
  });
});
