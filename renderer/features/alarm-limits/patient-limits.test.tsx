import { act, cleanup, fireEvent, render, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EffectiveLimit, VitalsEvent } from '../../../shared/api/vitals';
import { AppProviders } from '../../app/context';
import { createAppStore } from '../../app/store';
import { createFakeClient } from '../../testing/fake-client';
import { pinTimeZone } from '../../testing/time-zone';
import { PatientView } from '../patients/patient-view';

afterEach(cleanup);
pinTimeZone('Europe/Berlin');

const HR: EffectiveLimit = {
  code: 'hr',
  display: 'HR',
  ucum: '/min',
  low: 50,
  high: 120,
  criticalLow: 40,
  criticalHigh: 150,
  source: 'unit',
  updatedBy: 'demo.it',
  updatedAt: Date.UTC(2026, 10, 24, 13, 3, 7),
};
const snapshot: VitalsEvent = {
  snapshot: true,
  serverTime: Date.now(),
  beds: [
    { patientId: 1, displayName: 'DOE, Jane', birthDate: null, sex: null, unit: 'ICU', room: 'R1', bed: '1' },
  ],
  values: [
    { patientId: 1, code: 'hr', value: 74, unit: null, observedAt: Date.now(), receivedAt: Date.now() },
  ],
  alarms: [],
  staleAfterMs: {},
};

function setup(reason?: string) {
  let hr = HR;
  const fake = createFakeClient({
    'vitals.trend': () => ({ ok: true, value: { series: [], bucketMs: 1000 } }),
    'alarms.history': () => ({ ok: true, value: { alarms: [] } }),
    'alarms.limits': () => ({ ok: true, value: { limits: [hr], signalLostSeconds: 15 } }),
    'alarms.setPatientLimit': ({ limits }) => {
      hr = limits
        ? { ...hr, ...limits, source: 'patient', updatedBy: 'demo.clinician', updatedAt: Date.now() }
        : HR;
      return { ok: true, value: hr };
    },
  });
  render(
    <AppProviders client={fake.client} store={createAppStore()}>
      <PatientView patientId={1} />
    </AppProviders>,
  );
  if (reason) {
    act(() => fake.fail('vitals.patient', { code: 'forbidden', message: 'outside your units' }));
    fireEvent.change(screen.getByLabelText(/Reason/), { target: { value: reason } });
    fireEvent.click(screen.getByRole('button', { name: 'Break the glass' }));
  }
  act(() => fake.emit('vitals.patient', snapshot));
  return fake;
}

const editor = () => screen.getByRole('region', { name: 'Alarm limits for this patient' });

describe('Patient view: alarm limits', () => {
  it('sets this patient’s HR limits; the chart’s limit lines follow; low ≥ high stays on the field', async () => {
    const fake = setup();
    const from = await within(editor()).findByText('Unit default');
    // Who set it and when, in the app's one date-and-time form (local: 13:03:07Z in Berlin).
    expect(from.closest('td')!.textContent).toBe('Unit default · demo.it, 2026-11-24 14:03:07');
    expect(await screen.findByText(/limits 50–120 \(critical 40–150, unit default\)/)).toBeTruthy();
    fireEvent.click(within(editor()).getByRole('button', { name: 'Edit HR limits' }));
    const form = screen.getByRole('form', { name: 'HR alarm limits (bpm)' });
    fireEvent.change(within(form).getByLabelText('Low'), { target: { value: '120' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save HR limits' }));
    expect(within(form).getByLabelText('Low').getAttribute('aria-invalid')).toBe('true');
    expect(within(form).getByText('Low must be below high (120).')).toBeTruthy();
    expect(fake.calls.some((c) => c.method === 'alarms.setPatientLimit')).toBe(false);

    fireEvent.change(within(form).getByLabelText('Low'), { target: { value: '85' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save HR limits' }));
    await within(editor()).findByText('HR limits saved.');
    expect(fake.calls.find((c) => c.method === 'alarms.setPatientLimit')?.input).toEqual({
      patientId: 1,
      code: 'hr',
      limits: { criticalLow: 40, low: 85, high: 120, criticalHigh: 150 },
    });
    expect(within(editor()).getByText('This patient')).toBeTruthy();
    expect(screen.getByText(/limits 85–120 \(critical 40–150, set for this patient\)/)).toBeTruthy();

    // Only a patient-level limit can go back to the unit's.
    fireEvent.click(within(editor()).getByRole('button', { name: 'Edit HR limits' }));
    fireEvent.click(screen.getByRole('button', { name: 'Use the unit default' }));
    await within(editor()).findByText('HR: back to the unit default.');
    expect(fake.calls.filter((c) => c.method === 'alarms.setPatientLimit').at(-1)?.input).toMatchObject({
      limits: null,
    });
    fireEvent.click(within(editor()).getByRole('button', { name: 'Edit HR limits' }));
    expect(screen.queryByRole('button', { name: 'Use the unit default' })).toBeNull();
  });

  it('sends the break-glass reason with a change made under it', async () => {
    const fake = setup('rapid response call on Ward 3');
    fireEvent.click(await within(editor()).findByRole('button', { name: 'Edit HR limits' }));
    fireEvent.change(screen.getByLabelText('High'), { target: { value: '110' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save HR limits' }));
    await within(editor()).findByText('HR limits saved.');
    expect(fake.calls.find((c) => c.method === 'alarms.setPatientLimit')?.input).toMatchObject({
      limits: { high: 110 },
      breakGlassReason: 'rapid response call on Ward 3',
    });
  });
});
