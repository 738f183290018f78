import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { UnitTypeRow } from '../../../shared/api/products';
import type { Role } from '../../../shared/roles';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { pinTimeZone } from '../../testing/time-zone';
import { UnitTypesPanel } from './unit-types-panel';

afterEach(cleanup);
pinTimeZone('Europe/Berlin');

const guessed = (unit: string, type: string, patients: number): UnitTypeRow => ({
  unit,
  unitType: type,
  source: 'guessed',
  guessed: type,
  patients,
  setBy: null,
  setAt: null,
});

function setup(role: Role) {
  let units = [guessed('ICU', 'icu', 4), guessed('Ward 3', 'ward', 7)];
  const fake = createFakeClient({
    'products.unitTypes': () => ({ ok: true, value: { units } }),
    'products.setUnitType': ({ unit, unitType }) => {
      const row: UnitTypeRow = unitType
        ? {
            ...units.find((u) => u.unit === unit)!,
            unitType,
            source: 'set',
            setBy: 'demo.it',
            setAt: '2026-12-01T20:00:00.000Z',
          }
        : guessed(unit, 'ward', 7);
      units = units.map((u) => (u.unit === unit ? row : u));
      return { ok: true, value: row };
    },
  });
  renderAs(role, <UnitTypesPanel />, fake.client);
  return fake;
}

describe('Products → Unit types', () => {
  it('IT sets a unit type from the list and can return it to the guess', async () => {
    const fake = setup('it_admin');
    const ward = await screen.findByRole('combobox', { name: 'Type of Ward 3' });
    expect((ward as HTMLSelectElement).value).toBe('');
    expect(within(ward).getByRole('option', { name: 'guessed from the label: ward' })).toBeTruthy();
    fireEvent.change(ward, { target: { value: 'stepdown' } });
    expect(await screen.findByText('demo.it, 2026-12-01 21:00:00')).toBeTruthy();
    expect((ward as HTMLSelectElement).value).toBe('stepdown');
    fireEvent.change(ward, { target: { value: '' } });
    await screen.findByText('—', { selector: 'td' });
    expect(fake.calls.filter((c) => c.method === 'products.setUnitType').map((c) => c.input)).toEqual([
      { unit: 'Ward 3', unitType: 'stepdown' },
      { unit: 'Ward 3', unitType: null },
    ]);
  });

  it('a compliance officer sees the types, marked guessed, without controls', async () => {
    setup('compliance_officer');
    const row = (await screen.findByRole('rowheader', { name: 'ICU' })).closest('tr')!;
    expect(within(row).getByText('(guessed)')).toBeTruthy();
    expect(screen.queryByRole('combobox')).toBeNull();
  });
});
