import { cleanup, fireEvent, screen, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { MethodInput } from '../../../shared/api/contract';
import { deidProfile, type DeidProfile } from '../../../shared/api/products';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { ProfilesPanel } from './profiles-panel';

afterEach(cleanup);

/** The built-in safe-harbor profile as profiles.list sends it. */
const SAFE_HARBOR: DeidProfile = deidProfile.parse({
  name: 'safe-harbor',
  description: 'HIPAA Safe Harbor',
  fields: {
    patient: { method: 'pseudonymize' },
    age_band: { method: 'generalize', bandYears: 5, top: 90 },
    sex: { method: 'keep' },
    zip3: { method: 'generalize' },
    unit_type: { method: 'keep' },
    time: { method: 'dateshift', maxDays: 365 },
    code: { method: 'keep' },
    value: { method: 'keep' },
    unit: { method: 'keep' },
    device_type: { method: 'keep' },
  },
  kAnonymity: {
    k: 5,
    quasiIdentifiers: ['age_band', 'sex', 'zip3', 'unit_type'],
    onSmallClass: 'generalize',
  },
});
const MINE: DeidProfile = { ...SAFE_HARBOR, name: 'icu-study', description: 'ICU study profile' };

type Sent = MethodInput<'profiles.save'>['definition'];

function setup(save?: (definition: Sent) => ReturnType<typeof okSave>) {
  const saved: Sent[] = [];
  const fake = createFakeClient({
    'profiles.list': () => ({
      ok: true,
      value: {
        profiles: [
          { name: 'safe-harbor', version: 1, builtIn: true, definition: SAFE_HARBOR },
          { name: 'icu-study', version: 2, builtIn: false, definition: MINE },
        ],
      },
    }),
    'profiles.save': ({ definition }) => {
      saved.push(definition);
      return save ? save(definition) : okSave(definition);
    },
  });
  renderAs('it_admin', <ProfilesPanel />, fake.client, 'demo.it');
  return { fake, saved };
}
const okSave = (d: Sent) => ({ ok: true as const, value: { name: d.name, version: 3 } });

const rowFor = (field: string) => screen.getByRole('rowheader', { name: field }).closest('tr')!;

describe('Products → De-identification profiles', () => {
  it('edits a profile field by field and publishes the next version', async () => {
    const { saved } = setup();
    fireEvent.click(await screen.findByRole('button', { name: 'Edit (publishes v3)' }));
    fireEvent.change(screen.getByLabelText('Method for time'), { target: { value: 'generalize' } });
    fireEvent.change(within(rowFor('time')).getByRole('combobox', { name: /truncate to/ }), {
      target: { value: 'hour' },
    });
    fireEvent.change(screen.getByLabelText('Method for value'), { target: { value: 'perturb' } });
    fireEvent.change(within(rowFor('value')).getByRole('textbox', { name: /at most/ }), {
      target: { value: '2.5' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Publish version' }));
    expect(await screen.findByRole('status')).toHaveProperty('textContent', 'Published icu-study v3.');
    expect(saved).toHaveLength(1);
    expect(saved[0]!.fields.time).toEqual({ method: 'generalize', grain: 'hour' });
    expect(saved[0]!.fields.value).toEqual({ method: 'perturb', maxAbs: 2.5 });
    expect(saved[0]!.fields.patient).toEqual({ method: 'pseudonymize' });
  });

  it('shows each validation error next to its field and sends nothing until they are fixed', async () => {
    const { saved } = setup();
    fireEvent.click(await screen.findByRole('button', { name: 'Edit (publishes v3)' }));
    fireEvent.change(within(rowFor('time')).getByRole('textbox', { name: /days at most/ }), {
      target: { value: '0' },
    });
    const qi = screen.getByRole('checkbox', { name: 'zip3' });
    fireEvent.click(qi);
    fireEvent.click(screen.getByRole('button', { name: 'Publish version' }));
    expect(within(rowFor('time')).getByText(/>=1|at least 1|too small/i)).toBeTruthy();
    expect(
      screen.getByText(/zip3 is released \(generalize\) but not declared a quasi-identifier/),
    ).toBeTruthy();
    expect(screen.getByRole('alert').textContent).toMatch(/2 fields need a fix/);
    expect(saved).toHaveLength(0);
    // Fixing a field clears its message as it is typed.
    fireEvent.change(within(rowFor('time')).getByRole('textbox', { name: /days at most/ }), {
      target: { value: '30' },
    });
    expect(within(rowFor('time')).queryByText(/>=1|at least 1|too small/i)).toBeNull();
    fireEvent.click(qi);
    expect(screen.queryByRole('alert')).toBeNull();
  });

  it("puts the node's refusal on the field it names (a built-in name)", async () => {
    setup(
      () =>
        ({
          ok: false,
          error: {
            code: 'conflict',
            message: '"safe-harbor" is a built-in profile and can\'t be changed',
            issues: [{ path: 'definition.name', message: 'a built-in profile name' }],
          },
        }) as never,
    );
    fireEvent.click(await screen.findByRole('button', { name: 'Copy to a variant' }));
    const name = screen.getByRole('textbox', { name: 'Name' });
    expect((name as HTMLInputElement).value).toBe('safe-harbor-variant');
    fireEvent.change(name, { target: { value: 'safe-harbor' } });
    fireEvent.click(screen.getByRole('button', { name: 'Publish version' }));
    expect(await screen.findByText('a built-in profile name')).toBeTruthy();
    expect(name.getAttribute('aria-invalid')).toBe('true');
  });
});
