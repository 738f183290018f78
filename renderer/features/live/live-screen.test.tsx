import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it, vi } from 'vitest';
import type { MethodOutput } from '../../../shared/api/contract';
import type { AlarmView, VitalsEvent } from '../../../shared/api/vitals';
import { AppProviders } from '../../app/context';
import { createAppStore } from '../../app/store';
import { createFakeClient } from '../../testing/fake-client';
import { PatientView } from '../patients/patient-view';
import { LiveScreen, UNITS_REFRESH_MS } from './live-screen';

afterEach(() => {
  cleanup();
  window.localStorage.clear();
});

const NOW = Date.now();
const bed = (patientId: number, label: string, name: string, unit = 'ICU') => ({
  patientId,
  displayName: name,
  birthDate: '1950-02-03',
  sex: 'F',
  unit,
  room: 'R1',
  bed: label,
});
const value = (patientId: number, code: string, v: number, ageMs = 1000) => ({
  patientId,
  code,
  value: v,
  unit: null,
  observedAt: NOW - ageMs,
  receivedAt: NOW - ageMs,
});
const alarm = (over: Partial<AlarmView> = {}): AlarmView => ({
  id: 9,
  patientId: 1,
  code: 'spo2',
  kind: 'physiological',
  condition: 'low',
  priority: 'medium',
  value: 86,
  limit: 90,
  startedAt: NOW - 5000,
  endedAt: null,
  acknowledgedAt: null,
  acknowledgedBy: null,
  silencedUntil: null,
  ...over,
});
const event = (over: Partial<VitalsEvent>): VitalsEvent => ({
  snapshot: false,
  serverTime: Date.now(),
  beds: [],
  values: [],
  alarms: [],
  staleAfterMs: {},
  ...over,
});

type UnitsAnswer = MethodOutput<'units.list'>;
const TWO_UNITS: UnitsAnswer = {
  units: [
    { unit: 'ICU', beds: 2, activeAlarms: 0, assigned: true },
    { unit: 'Ward 3', beds: 4, activeAlarms: 0, assigned: false },
  ],
  assigned: ['ICU'],
};

/** The live screen against a fake node whose units.list answers `units()` at each call. */
function renderLive(units: () => UnitsAnswer = () => TWO_UNITS) {
  const fake = createFakeClient({ 'units.list': () => ({ ok: true, value: units() }) });
  render(
    <AppProviders client={fake.client} store={createAppStore()}>
      <LiveScreen />
    </AppProviders>,
  );
  return fake;
}

describe('Live vitals: unit view', () => {
  it('watches the first assigned unit and shows each bed with numerics, units and ages', async () => {
    const fake = renderLive();
    await screen.findByRole('combobox', { name: 'Unit' });
    await vi.waitFor(() =>
      expect(fake.active('vitals.unit').map((s) => s.params)).toEqual([{ unit: 'ICU' }]),
    );
    act(() =>
      fake.emit(
        'vitals.unit',
        event({
          snapshot: true,
          beds: [bed(1, 'Bed 1', 'DOE, Jane'), bed(2, 'Bed 2', 'ROE, Rick')],
          values: [
            value(1, 'hr', 72),
            value(1, 'spo2', 97),
            value(1, 'nibp-sys', 120),
            value(1, 'nibp-dia', 80),
            value(1, 'nibp-mean', 93),
            value(2, 'hr', 64, 60_000),
          ],
          staleAfterMs: { hr: 15_000, spo2: 15_000, 'nibp-sys': 1_200_000 },
        }),
      ),
    );
    const tile = screen.getByRole('link', { name: /^R1 · Bed 1, DOE, Jane$/ });
    expect(within(tile).getByText('72')).toBeTruthy();
    expect(within(tile).getByText('120/80 (93)')).toBeTruthy();
    expect(within(tile).getByText('bpm')).toBeTruthy();
    expect(tile.getAttribute('href')).toBe('#/patients/1');
    // Bed 2's HR is a minute old: greyed, with its age.
    const stale = within(screen.getByRole('link', { name: /^R1 · Bed 2/ }))
      .getByText('64')
      .closest('.num');
    expect(stale?.className).toContain('num--stale');
    expect(within(stale as HTMLElement).getByText('1 min')).toBeTruthy();
  });

  it('updates live and shows an alarm in words and colour, then clears it', async () => {
    const fake = renderLive();
    await screen.findByRole('combobox', { name: 'Unit' });
    await vi.waitFor(() => expect(fake.active('vitals.unit')).toHaveLength(1));
    act(() =>
      fake.emit(
        'vitals.unit',
        event({ snapshot: true, beds: [bed(1, 'Bed 1', 'DOE, Jane')], values: [value(1, 'spo2', 97)] }),
      ),
    );
    act(() => fake.emit('vitals.unit', event({ values: [value(1, 'spo2', 86, 0)], alarms: [alarm()] })));
    const tile = screen.getByRole('link', {
      name: /R1 · Bed 1, DOE, Jane, Medium priority alarm: SpO₂ 86 < 90/,
    });
    expect(tile.className).toContain('tile--medium');
    expect(within(tile).getByText('86')).toBeTruthy();
    expect(screen.getByText(/1 bed alarming/)).toBeTruthy();
    act(() => fake.emit('vitals.unit', event({ alarms: [alarm({ endedAt: Date.now() })] })));
    expect(screen.getByRole('link', { name: /^R1 · Bed 1, DOE, Jane$/ }).className).not.toContain('tile--');
  });

  it("keeps the unit chooser's bed and alarm counts current while the screen is open", async () => {
    vi.useFakeTimers({ toFake: ['setInterval', 'clearInterval'] });
    try {
      let ward = { beds: 4, activeAlarms: 0 };
      const fake = renderLive(() => ({
        units: [
          { unit: 'ICU', beds: 2, activeAlarms: 0, assigned: true },
          { unit: 'Ward 3', ...ward, assigned: true },
        ],
        assigned: ['ICU', 'Ward 3'],
      }));
      expect(await screen.findByRole('option', { name: 'Ward 3 (4 beds)' })).toBeTruthy();
      // A bed is admitted on Ward 3 and alarms, while this clinician watches ICU.
      ward = { beds: 5, activeAlarms: 1 };
      await act(async () => {
        vi.advanceTimersByTime(UNITS_REFRESH_MS);
        await Promise.resolve();
      });
      expect(await screen.findByRole('option', { name: 'Ward 3 (5 beds, 1 alarm)' })).toBeTruthy();
      expect(fake.calls.filter((c) => c.method === 'units.list')).toHaveLength(2);
      // Still watching the unit it chose first: a refresh doesn't move the clinician.
      expect(fake.active('vitals.unit').map((s) => s.params)).toEqual([{ unit: 'ICU' }]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('asks for a reason before watching a unit that is not assigned (break-glass)', async () => {
    const fake = renderLive();
    const select = await screen.findByRole('combobox', { name: 'Unit' });
    fireEvent.change(select, { target: { value: 'Ward 3' } });
    const go = screen.getByRole('button', { name: 'Break the glass' });
    expect((go as HTMLButtonElement).disabled).toBe(true);
    fireEvent.change(screen.getByLabelText(/not one of your units/), {
      target: { value: 'covering a colleague on break' },
    });
    fireEvent.click(go);
    expect(fake.active('vitals.unit').map((s) => s.params)).toEqual([
      { unit: 'Ward 3', breakGlassReason: 'covering a colleague on break' },
    ]);
  });

  it('moves between tiles with the arrow keys', async () => {
    const fake = renderLive();
    await screen.findByRole('combobox', { name: 'Unit' });
    await vi.waitFor(() => expect(fake.active('vitals.unit')).toHaveLength(1));
    act(() =>
      fake.emit('vitals.unit', event({ snapshot: true, beds: [bed(1, 'Bed 1', 'A'), bed(2, 'Bed 2', 'B')] })),
    );
    const first = screen.getByRole('link', { name: /^R1 · Bed 1/ });
    first.focus();
    fireEvent.keyDown(first, { key: 'ArrowRight' });
    expect(document.activeElement).toBe(screen.getByRole('link', { name: /^R1 · Bed 2/ }));
  });
});

describe('Patient view', () => {
  it('shows demographics, trends with limits, alarm history, and acknowledges an alarm', async () => {
    const acks: unknown[] = [];
    const fake = createFakeClient({
      'vitals.trend': () => ({
        ok: true,
        value: {
          bucketMs: 1000,
          series: [
            {
              code: 'hr',
              unit: '/min',
              t: [NOW - 60_000, NOW - 30_000],
              mean: [70, 72],
              min: [70, 72],
              max: [70, 72],
            },
          ],
        },
      }),
      'alarms.limits': () => ({
        ok: true,
        value: {
          signalLostSeconds: 15,
          limits: [
            {
              code: 'hr',
              display: 'Heart rate',
              ucum: '/min',
              low: 50,
              high: 120,
              criticalLow: 40,
              criticalHigh: 150,
              source: 'catalog',
              updatedBy: null,
              updatedAt: null,
            },
          ],
        },
      }),
      'alarms.history': () => ({
        ok: true,
        value: { alarms: [alarm({ code: 'hr', condition: 'high', value: 130, limit: 120 })] },
      }),
      'alarms.acknowledge': (input) => {
        acks.push(input);
        return {
          ok: true,
          value: {
            alarm: alarm({ acknowledgedBy: 'me', acknowledgedAt: NOW, silencedUntil: NOW + 120_000 }),
          },
        };
      },
    });
    render(
      <AppProviders client={fake.client} store={createAppStore()}>
        <PatientView patientId={1} />
      </AppProviders>,
    );
    expect(fake.active('vitals.patient').map((s) => s.params)).toEqual([{ patientId: 1 }]);
    act(() =>
      fake.emit(
        'vitals.patient',
        event({
          snapshot: true,
          beds: [bed(1, 'Bed 1', 'DOE, Jane')],
          values: [value(1, 'hr', 74, 0)],
          alarms: [alarm()],
        }),
      ),
    );
    expect(screen.getByRole('heading', { name: 'DOE, Jane' })).toBeTruthy();
    expect(screen.getByText('1950-02-03')).toBeTruthy();
    expect(
      await screen.findByText(/3 points, latest 74 · limits 50–120 \(critical 40–150, catalog default\)/),
    ).toBeTruthy();
    expect(await screen.findByText('HR 130 > 120')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Acknowledge (silence 2 min)' }));
    expect(acks).toEqual([{ alarmId: 9, silenceMinutes: 2 }]);
    fireEvent.click(screen.getByRole('radio', { name: '8 h' }));
    expect(fake.calls.filter((c) => c.method === 'vitals.trend')).toHaveLength(2);
  });

  it('offers break-glass when the patient is outside the clinician’s units', () => {
    const fake = createFakeClient({});
    render(
      <AppProviders client={fake.client} store={createAppStore()}>
        <PatientView patientId={5} />
      </AppProviders>,
    );
    act(() =>
      fake.fail('vitals.patient', {
        code: 'forbidden',
        message: 'this patient is outside your assigned units',
      }),
    );
    expect(screen.getByRole('alert').textContent).toContain('outside your assigned units');
    fireEvent.change(screen.getByLabelText(/Reason/), { target: { value: 'rapid response call on Ward 3' } });
    fireEvent.click(screen.getByRole('button', { name: 'Break the glass' }));
    expect(fake.active('vitals.patient').map((s) => s.params)).toEqual([
      { patientId: 5, breakGlassReason: 'rapid response call on Ward 3' },
    ]);
  });
});
