import { cleanup, fireEvent, screen } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { MethodInput } from '../../../shared/api/contract';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { ProductEditor } from './product-editor';

afterEach(cleanup);

type Sent = MethodInput<'products.save'>['definition'];

function setup() {
  const sent: Sent[] = [];
  const done: string[] = [];
  const fake = createFakeClient({
    'products.save': ({ definition }) => {
      sent.push(definition);
      return { ok: true, value: { name: definition.name, version: 1 } };
    },
  });
  renderAs(
    'it_admin',
    <ProductEditor
      initial={undefined}
      profileNames={['safe-harbor', 'icu-study']}
      onClose={() => undefined}
      onSaved={(name) => done.push(name)}
    />,
    fake.client,
    'demo.it',
  );
  return { sent, done };
}

const check = (name: string) => screen.getByRole('checkbox', { name });
const groupError = (legend: string) =>
  screen.getByRole('group', { name: legend }).querySelector('.field__error')?.textContent;

describe('Products → product definition editor', () => {
  it('refuses a wrong definition next to each wrong control, then publishes the fixed one', async () => {
    const { sent, done } = setup();
    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), { target: { value: 'ICU trends' } });
    fireEvent.click(check('value'));
    fireEvent.click(check('device_type'));
    fireEvent.click(screen.getByRole('button', { name: 'Publish version' }));
    expect(screen.getByRole('textbox', { name: 'Name' }).getAttribute('aria-invalid')).toBe('true');
    expect(screen.getByText(/2–48 lowercase letters/)).toBeTruthy();
    const fields = 'Fields exposed (time, code and value are required)';
    expect(groupError(fields)).toMatch(/time, code and value are required/);
    expect(groupError(fields)).toMatch(/device_type is only available at the raw grain, not 5min/);
    expect(sent).toHaveLength(0);

    fireEvent.change(screen.getByRole('textbox', { name: 'Name' }), { target: { value: 'icu-trends' } });
    fireEvent.click(check('value'));
    fireEvent.click(check('device_type'));
    expect(screen.queryByRole('alert')).toBeNull();
    fireEvent.click(check('icu-study'));
    fireEvent.change(screen.getByRole('textbox', { name: /of values missing/ }), {
      target: { value: '2.5' },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Publish version' }));
    await screen.findByRole('button', { name: 'Publish version' });
    expect(done).toEqual(['icu-trends']);
    expect(sent[0]).toMatchObject({
      name: 'icu-trends',
      codes: ['hr', 'spo2'],
      grain: '5min',
      quality: [
        { check: 'out_of_range', maxShare: 0.01 },
        { check: 'missing', maxShare: 0.025 },
      ],
      access: { researchers: 'all', profiles: ['safe-harbor', 'icu-study'] },
    });
  });
});
