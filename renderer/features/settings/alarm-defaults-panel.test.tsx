import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { EffectiveLimit } from '../../../shared/api/vitals';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { SettingsScreen } from './settings-screen';

afterEach(cleanup);

const limit = (over: Partial<EffectiveLimit>): EffectiveLimit => ({
  code: 'hr',
  display: 'HR',
  ucum: '/min',
  low: 50,
  high: 120,
  criticalLow: 40,
  criticalHigh: 150,
  source: 'catalog',
  updatedBy: null,
  updatedAt: null,
  ...over,
});

function setup() {
  let seconds = 15;
  let limits = [
    limit({}),
    limit({
      code: 'spo2',
      display: 'SpO2',
      ucum: '%',
      low: 90,
      high: 100,
      criticalLow: 85,
      criticalHigh: 101,
    }),
  ];
  const fake = createFakeClient({
    'units.list': () => ({
      ok: true,
      value: { units: [{ unit: 'ICU', beds: 8, activeAlarms: 0, assigned: false }], assigned: [] },
    }),
    'alarms.unitLimits': () => ({ ok: true, value: { limits, signalLostSeconds: seconds } }),
    'alarms.setUnitLimit': ({ code, limits: l }) => {
      const was = limits.find((x) => x.code === code)!;
      const next = l
        ? { ...was, ...l, source: 'unit' as const, updatedBy: 'demo.it', updatedAt: Date.now() }
        : limit({ code });
      limits = limits.map((x) => (x.code === code ? next : x));
      return { ok: true, value: next };
    },
    'alarms.setUnitSettings': ({ unit, signalLostSeconds }) => {
      seconds = signalLostSeconds;
      return { ok: true, value: { unit, signalLostSeconds } };
    },
  });
  renderAs('it_admin', <SettingsScreen page="alarms" />, fake.client, 'demo.it');
  return fake;
}

const table = () => screen.getByRole('table');
const rowOf = (name: string) =>
  within(table())
    .getByRole('rowheader', { name: new RegExp(`^${name}\\b`) })
    .closest('tr')!;

describe('Settings → Alarm defaults (IT)', () => {
  it('shows the page in the settings navigation for IT only', () => {
    setup();
    expect(screen.getByRole('link', { name: 'Alarm defaults' }).getAttribute('aria-current')).toBe('page');
    cleanup();
    const fake = createFakeClient({});
    renderAs('clinician', <SettingsScreen page="alarms" />, fake.client);
    expect(screen.queryByRole('link', { name: 'Alarm defaults' })).toBeNull();
    expect(screen.getByText('Only facility IT sets the units’ alarm defaults.')).toBeTruthy();
    expect(fake.calls).toEqual([]);
  });

  it("lists the first unit's defaults and saves a changed limit; a bad one is refused on its field", async () => {
    const fake = setup();
    await screen.findByRole('heading', { name: 'Default alarm limits on ICU' });
    expect(within(rowOf('HR')).getByText('Catalog default')).toBeTruthy();
    fireEvent.click(screen.getByRole('button', { name: 'Edit HR limits' }));
    const form = screen.getByRole('form', { name: 'HR alarm limits (bpm)' });

    // low ≥ high: nothing is sent, the message sits on the Low field.
    fireEvent.change(within(form).getByLabelText('Low'), { target: { value: '130' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save HR limits' }));
    const low = within(form).getByLabelText('Low');
    expect(low.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('Low must be below high (120).').id).toBe(
      low.getAttribute('aria-describedby')?.split(' ')[0],
    );
    fireEvent.change(within(form).getByLabelText('Critical high'), { target: { value: 'lots' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save HR limits' }));
    expect(within(form).getByText('"lots" is not a number.')).toBeTruthy();
    expect(fake.calls.some((c) => c.method === 'alarms.setUnitLimit')).toBe(false);

    fireEvent.change(within(form).getByLabelText('Low'), { target: { value: '55' } });
    fireEvent.change(within(form).getByLabelText('Critical high'), { target: { value: '160' } });
    fireEvent.click(within(form).getByRole('button', { name: 'Save HR limits' }));
    await screen.findByText('HR limits saved.');
    expect(fake.calls.filter((c) => c.method === 'alarms.setUnitLimit').map((c) => c.input)).toEqual([
      { unit: 'ICU', code: 'hr', limits: { criticalLow: 40, low: 55, high: 120, criticalHigh: 160 } },
    ]);
    expect(within(rowOf('HR')).getByText('Unit default')).toBeTruthy();
    expect(within(rowOf('HR')).getByText('55')).toBeTruthy();

    // Back to the catalog's default.
    fireEvent.click(screen.getByRole('button', { name: 'Edit HR limits' }));
    fireEvent.click(screen.getByRole('button', { name: 'Use the catalog default' }));
    await screen.findByText('HR: back to the catalog default.');
    expect(fake.calls.filter((c) => c.method === 'alarms.setUnitLimit').at(-1)?.input).toEqual({
      unit: 'ICU',
      code: 'hr',
      limits: null,
    });
    expect(within(rowOf('HR')).getByText('Catalog default')).toBeTruthy();
  });

  it("shows the node's refusal of a limit", async () => {
    const fake = createFakeClient({
      'units.list': () => ({ ok: true, value: { units: [], assigned: [] } }),
      'alarms.unitLimits': () => ({ ok: true, value: { limits: [limit({})], signalLostSeconds: 15 } }),
      'alarms.setUnitLimit': () => ({
        ok: false,
        error: { code: 'forbidden', message: 'only facility IT sets unit defaults' },
      }),
    });
    renderAs('it_admin', <SettingsScreen page="alarms" />, fake.client, 'demo.it');
    // No unit has patients yet: IT names one.
    fireEvent.change(await screen.findByLabelText('Unit'), { target: { value: 'Ward 9' } });
    fireEvent.click(screen.getByRole('button', { name: 'Show' }));
    fireEvent.click(await screen.findByRole('button', { name: 'Edit HR limits' }));
    fireEvent.click(screen.getByRole('button', { name: 'Save HR limits' }));
    expect((await screen.findByRole('alert')).textContent).toContain('only facility IT sets unit defaults');
    expect(fake.calls.find((c) => c.method === 'alarms.unitLimits')?.input).toEqual({ unit: 'Ward 9' });
  });

  it("sets the unit's signal-lost time, checked on the field", async () => {
    const fake = setup();
    const field = await screen.findByLabelText('Signal lost after (seconds)');
    expect((field as HTMLInputElement).value).toBe('15');
    fireEvent.change(field, { target: { value: '2' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save signal-lost time' }));
    expect(field.getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText('A whole number of seconds from 5 to 3600.')).toBeTruthy();
    expect(fake.calls.some((c) => c.method === 'alarms.setUnitSettings')).toBe(false);
    fireEvent.change(field, { target: { value: '30' } });
    fireEvent.click(screen.getByRole('button', { name: 'Save signal-lost time' }));
    await screen.findByText('Signal lost on ICU after 30 s.');
    await waitFor(() => expect(field.getAttribute('aria-invalid')).toBeNull());
    expect(fake.calls.filter((c) => c.method === 'alarms.setUnitSettings').map((c) => c.input)).toEqual([
      { unit: 'ICU', signalLostSeconds: 30 },
    ]);
  });
});
