import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { AgreementView, PeerView } from '../../../shared/api/mesh';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { pinTimeZone } from '../../testing/time-zone';
import { SharingScreen } from './sharing-screen';

afterEach(cleanup);
// Agreements run on UTC days; an hour east of UTC shows a screen that reads them as local times.
pinTimeZone('Europe/Berlin');

const FP = 'AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89:AB:CD:EF:01:23:45:67:89';

const peer = (over: Partial<PeerView> = {}): PeerView => ({
  facilityId: 'south-1',
  displayName: 'South Clinic',
  endpoint: '127.0.0.1:9000',
  caFingerprint: FP,
  status: 'pending',
  importedBy: 'demo.it_admin',
  importedAt: 0,
  confirmedBy: null,
  confirmedAt: null,
  lastContactAt: null,
  lastContact: null,
  ...over,
});

const agreement = (over: Partial<AgreementView> = {}): AgreementView => ({
  id: '7d8c4e0b-4a0f-4b7e-9a57-2f7e0e8b1c11',
  version: 1,
  peerFacilityId: 'south-1',
  products: [{ productId: 'vitals-raw', versionPolicy: 'latest' }],
  purpose: 'sepsis study',
  deidProfile: 'safe-harbor',
  k: 5,
  startsAt: 0,
  expiresAt: Date.now() + 1e9,
  state: 'draft',
  effectiveState: 'draft',
  createdBy: 'demo.it_admin',
  createdAt: 0,
  approvedBy: null,
  approvedAt: null,
  revokedBy: null,
  revokedAt: null,
  revokeReason: null,
  ...over,
});

const identity = {
  facilityId: 'north-1',
  displayName: 'North General',
  endpoint: '127.0.0.1:8471',
  caFingerprint: '11:22',
  nodeCertificate: { fingerprint: '33:44', notAfter: Date.now() + 1e9 },
  caKey: { location: 'store' as const, note: null as string | null },
  bundle: '{"format":"vitalmesh-enrolment/1"}',
};

describe('Sharing', () => {
  it('IT imports a bundle, sees the fingerprint, and can confirm only after saying it compared it', async () => {
    let peers: PeerView[] = [];
    const fake = createFakeClient({
      'mesh.identity': () => ({ ok: true, value: identity }),
      'peers.list': () => ({ ok: true, value: { peers } }),
      'peers.import': () => {
        peers = [peer()];
        return { ok: true, value: peers[0]! };
      },
      'peers.confirm': ({ fingerprint }) =>
        fingerprint.replace(/[^0-9a-f]/gi, '').toUpperCase() === FP.replace(/:/g, '')
          ? { ok: true, value: (peers = [peer({ status: 'active', confirmedBy: 'demo.it_admin' })])[0]! }
          : {
              ok: false,
              error: {
                code: 'conflict',
                message: 'the fingerprint does not match the imported CA certificate',
              },
            },
    });
    renderAs('it_admin', <SharingScreen />, fake.client);
    expect(await screen.findByTestId('own-fingerprint')).toBeTruthy();
    fireEvent.change(screen.getByLabelText("The peer's enrolment bundle"), { target: { value: '{"x":1}' } });
    fireEvent.click(screen.getByRole('button', { name: 'Import bundle' }));
    expect((await screen.findByTestId('pending-fingerprint')).textContent).toBe(FP);
    const confirm = screen.getByRole('button', { name: 'Confirm and trust' });
    expect((confirm as HTMLButtonElement).disabled).toBe(true);

    fireEvent.change(screen.getByLabelText('Fingerprint as the peer read it'), {
      target: { value: '00 11' },
    });
    fireEvent.click(screen.getByLabelText('I compared it with the peer facility out of band'));
    fireEvent.click(confirm);
    expect((await screen.findByRole('alert')).textContent).toContain('does not match');

    fireEvent.change(screen.getByLabelText('Fingerprint as the peer read it'), {
      target: { value: FP.toLowerCase() },
    });
    fireEvent.click(screen.getByRole('button', { name: 'Confirm and trust' }));
    expect((await screen.findByRole('status')).textContent).toContain(
      'South Clinic is enrolled and trusted.',
    );
    const table = await screen.findByRole('table', { name: 'Enrolled peers' });
    await waitFor(() => expect(within(table).getByText('active')).toBeTruthy());
  });

  it('IT sees where the CA key is kept, and why not in the keychain when that was asked for', async () => {
    const note =
      'the CA key stays in the encrypted store: keeping it in the OS keychain needs --key-source keychain';
    const { client } = createFakeClient({
      'peers.list': () => ({ ok: true, value: { peers: [] } }),
      'mesh.identity': () => ({ ok: true, value: { ...identity, caKey: { location: 'store', note } } }),
    });
    renderAs('it_admin', <SharingScreen />, client);
    expect((await screen.findByTestId('own-ca-key')).textContent).toBe('the encrypted store');
    expect(screen.getByText(note).getAttribute('role')).toBe('status');
  });

  it('a compliance officer approves a draft; IT sees no Approve button', async () => {
    const answers = {
      'peers.list': () => ({ ok: true as const, value: { peers: [peer({ status: 'active' })] } }),
      'mesh.identity': () => ({ ok: true as const, value: identity }),
      'agreements.list': () => ({ ok: true as const, value: { agreements: [agreement()] } }),
    };
    const asIt = createFakeClient(answers);
    renderAs('it_admin', <SharingScreen />, asIt.client);
    fireEvent.click(await screen.findByRole('tab', { name: 'Agreements' }));
    const itCard = await screen.findByRole('region', { name: /South Clinic · vitals-raw · v1/ });
    expect(within(itCard).queryByRole('button', { name: /^Approve/ })).toBeNull();
    cleanup();

    let current = agreement();
    const asCo = createFakeClient({
      ...answers,
      'agreements.list': () => ({ ok: true, value: { agreements: [current] } }),
      'agreements.approve': () => {
        current = agreement({
          state: 'approved',
          effectiveState: 'active',
          approvedBy: 'demo.compliance_officer',
        });
        return { ok: true, value: current };
      },
    });
    renderAs('compliance_officer', <SharingScreen />, asCo.client);
    expect(screen.queryByRole('tab', { name: 'Received products' })).toBeTruthy();
    fireEvent.click(await screen.findByRole('tab', { name: 'Agreements' }));
    const card = await screen.findByRole('region', { name: /South Clinic · vitals-raw · v1/ });
    fireEvent.click(within(card).getByRole('button', { name: 'Approve v1' }));
    await waitFor(() => expect(within(card).getByTestId('agreement-state').textContent).toBe('active'));
    expect(asCo.calls.find((c) => c.method === 'agreements.approve')?.input).toEqual({
      id: current.id,
      version: 1,
    });
  });

  it('an agreement drafted for UTC days reads as those days, on a node east of UTC', async () => {
    const startsAt = Date.parse('2026-12-03T00:00:00Z');
    const { client } = createFakeClient({
      'peers.list': () => ({ ok: true as const, value: { peers: [peer({ status: 'active' })] } }),
      'mesh.identity': () => ({ ok: true as const, value: identity }),
      'agreements.list': () => ({
        ok: true as const,
        value: { agreements: [agreement({ startsAt, expiresAt: Date.parse('2027-12-03T10:30:00Z') })] },
      }),
    });
    renderAs('it_admin', <SharingScreen />, client);
    fireEvent.click(await screen.findByRole('tab', { name: 'Agreements' }));
    const card = await screen.findByRole('region', { name: /South Clinic · vitals-raw · v1/ });
    // An end set through the API at another hour is an instant: it reads in local time (UTC+1).
    expect(within(card).getByText('2026-12-03 UTC – 2027-12-03 11:30:00')).toBeTruthy();
  });

  it('a researcher sees only Received products', async () => {
    const fake = createFakeClient({ 'received.list': () => ({ ok: true, value: { subscriptions: [] } }) });
    renderAs('researcher', <SharingScreen />, fake.client);
    expect(await screen.findByText(/Nothing received yet/)).toBeTruthy();
    expect(screen.getAllByRole('tab').map((t) => t.textContent)).toEqual(['Received products']);
  });
});
