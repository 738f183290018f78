import { cleanup, fireEvent, screen, waitFor, within } from '@testing-library/react';
import { afterEach, describe, expect, it } from 'vitest';
import type { Hl7MessageView, IngestStatus, ReplayResult } from '../../../shared/api/ingest';
import { createFakeClient } from '../../testing/fake-client';
import { renderAs } from '../../testing/render';
import { pinTimeZone } from '../../testing/time-zone';
import { SourcesScreen } from './sources-screen';

afterEach(cleanup);
pinTimeZone('Europe/Berlin');

const now = () => new Date().toISOString();

const status = (over: Partial<IngestStatus> = {}): IngestStatus => ({
  listener: { enabled: true, host: '127.0.0.1', port: 2575, tls: false, maxFrameBytes: 1_048_576 },
  connections: [
    {
      id: 1,
      remote: '127.0.0.1:50001',
      since: now(),
      messages: 120,
      lastMessageAt: now(),
      tls: false,
      peer: null,
    },
    {
      id: 2,
      remote: '127.0.0.1:50002',
      since: now(),
      messages: 118,
      lastMessageAt: now(),
      tls: false,
      peer: null,
    },
  ],
  counters: {
    received: 239,
    accepted: 238,
    duplicates: 0,
    rejected: 1,
    observations: 2142,
    oversized: 0,
    junkBytes: 0,
    commits: 200,
  },
  messagesPerSecond: 2,
  reading: { threads: 1, running: 1, restarts: 0, lastExitAt: null },
  lastMessageAt: now(),
  totals: { accepted: 238, duplicate: 0, rejected: 1 },
  devices: [
    { identifier: '0012A5FFFE100000^EUI-64', kind: 'MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS', lastSeenAt: now() },
  ],
  ...over,
});

const rejected = (id: number, controlId: string, reason: string): Hl7MessageView => ({
  id,
  receivedAt: now(),
  sender: 'MON|ICU',
  controlId,
  messageType: 'ORU^R01',
  outcome: 'rejected',
  ackCode: 'AE',
  reason,
  observationCount: 0,
  remote: '127.0.0.1:50999',
  ack: `MSH|^~\\&|VitalMesh||MON|ICU|20260301||ACK^R01^ACK|VM1|P|2.6\rMSA|AE|${controlId}|${reason}\rERR|||102|E`,
  raw:
    'MSH|^~\\&|MON|ICU|VM|F|20260301||ORU^R01|' +
    controlId +
    '|P|2.6\rPID|***|***|***\rOBX|1|NM|150456^MDC|1.2.1.1|***|%',
  rawRedacted: true,
  replayOf: null,
  replayedAs: null,
});

function setup(
  opts: { status?: () => IngestStatus; messages?: () => Hl7MessageView[]; replay?: () => ReplayResult } = {},
) {
  const fake = createFakeClient({
    'ingest.replay': () => ({
      ok: true,
      value: (
        opts.replay ??
        (() => ({ messageId: 9, outcome: 'accepted', ackCode: 'AA', reason: null, observationCount: 9 }))
      )(),
    }),
    'ingest.status': () => ({ ok: true, value: (opts.status ?? (() => status()))() }),
    'ingest.messages': () => ({
      ok: true,
      value: {
        messages: (
          opts.messages ??
          (() => [rejected(7, 'BAD-1', 'OBX-5 "ninety" is not a number although OBX-2 is NM')])
        )(),
        nextBefore: null,
      },
    }),
  });
  renderAs('it_admin', <SourcesScreen />, fake.client);
  return fake;
}

describe('Sources → Bedside devices', { timeout: 20_000 }, () => {
  it('is one tab of the Sources screen, selected by default', async () => {
    setup();
    const tab = screen.getByRole('tab', { name: 'Bedside devices' });
    expect(tab.getAttribute('aria-selected')).toBe('true');
    expect(screen.getByRole('tabpanel', { name: 'Bedside devices' })).toBeTruthy();
    expect(await screen.findByText('Listening')).toBeTruthy();
  });

  it('shows the listener, its connections, messages/s, totals and devices last heard from', async () => {
    setup();
    expect(await screen.findByText('127.0.0.1:2575')).toBeTruthy();
    expect(screen.getByTestId('connection-count').textContent).toBe('2');
    expect(screen.getByTestId('messages-per-second').textContent).toBe('2.0');
    expect(screen.getByTestId('total-accepted').textContent).toBe('238');
    expect(screen.getByTestId('total-rejected').textContent).toBe('1');
    expect(screen.getByTestId('total-observations').textContent).toBe('2,142');
    const connections = screen.getByRole('table', { name: /Connected senders \(2\)/ });
    expect(within(connections).getAllByRole('row')).toHaveLength(3);
    expect(within(connections).getByText('127.0.0.1:50001')).toBeTruthy();
    const devices = screen.getByRole('table', { name: /Devices, last heard from/ });
    expect(within(devices).getByText('0012A5FFFE100000^EUI-64')).toBeTruthy();
    expect(screen.getByTestId('message-reading').textContent).toBe('1 of 1 worker thread running');
  });

  it('says when a message-reading worker had to be restarted, and what its senders were told', async () => {
    setup({
      status: () =>
        status({ reading: { threads: 2, running: 1, restarts: 3, lastExitAt: '2026-12-02T09:30:00.000Z' } }),
    });
    const reading = await screen.findByTestId('message-reading');
    expect(reading.textContent).toBe(
      '1 of 2 worker threads running restarted 3 times last 2026-12-02 10:30:00; the messages it held were answered AR, resend later',
    );
  });

  it('lists the quarantine with its reason, and opens a message with its ACK, saying PHI is masked', async () => {
    const fake = setup();
    const quarantine = await screen.findByRole('table', { name: /Quarantine/ });
    expect(within(quarantine).getByText(/OBX-5 "ninety" is not a number/)).toBeTruthy();
    expect(within(quarantine).getByText('AE')).toBeTruthy();
    expect(fake.calls.find((c) => c.method === 'ingest.messages')?.input).toMatchObject({
      outcome: 'rejected',
    });
    fireEvent.click(within(quarantine).getByRole('button', { name: 'Show message' }));
    const raw = screen.getByLabelText('Raw HL7 message');
    // Segments on their own lines, the patient fields as the node masked them.
    expect(raw.textContent).toContain('\nPID|***|***|***\n');
    expect(screen.getByText(/patient fields masked: your role may not read PHI/)).toBeTruthy();
    expect(screen.getByLabelText('ACK sent').textContent).toMatch(/MSA\|AE\|BAD-1/);
    fireEvent.click(within(quarantine).getByRole('button', { name: 'Hide message' }));
    expect(screen.queryByLabelText('Raw HL7 message')).toBeNull();
  });

  it('replays a quarantined message and says what it became; one replayed into the store offers no replay', async () => {
    const fake = setup({
      messages: () => [
        rejected(7, 'BAD-1', 'message type ORM is not processed'),
        { ...rejected(5, 'OLD-1', 'OBX-3 has no code'), replayedAs: { id: 6, outcome: 'accepted' } },
      ],
    });
    const quarantine = await screen.findByRole('table', { name: /Quarantine/ });
    const rows = within(quarantine).getAllByRole('row');
    expect(within(rows[2]!).getByText('Replayed as #6: accepted')).toBeTruthy();
    expect(within(rows[2]!).queryByRole('button', { name: 'Replay' })).toBeNull();
    fireEvent.click(within(rows[1]!).getByRole('button', { name: 'Replay' }));
    expect(await within(rows[1]!).findByText('Replayed: accepted, 9 observations stored')).toBeTruthy();
    expect(fake.calls.find((c) => c.method === 'ingest.replay')?.input).toEqual({ id: 7 });
  });

  it('says plainly when a replay is rejected again, and why when the reason changed', async () => {
    setup({
      replay: () => ({
        messageId: 10,
        outcome: 'rejected',
        ackCode: 'AR',
        reason: 'message type ORM is not processed',
        observationCount: 0,
      }),
    });
    const quarantine = await screen.findByRole('table', { name: /Quarantine/ });
    fireEvent.click(within(quarantine).getByRole('button', { name: 'Replay' }));
    expect(
      await within(quarantine).findByText(
        'Replayed: rejected again (AR) — message type ORM is not processed',
      ),
    ).toBeTruthy();
  });

  it('does not repeat a reason that did not change', async () => {
    const reason = 'OBX-5 "ninety" is not a number although OBX-2 is NM';
    setup({
      replay: () => ({ messageId: 10, outcome: 'rejected', ackCode: 'AE', reason, observationCount: 0 }),
    });
    const quarantine = await screen.findByRole('table', { name: /Quarantine/ });
    fireEvent.click(within(quarantine).getByRole('button', { name: 'Replay' }));
    expect((await within(quarantine).findByRole('status')).textContent).toBe(
      'Replayed: rejected again (AE), for the same reason',
    );
  });

  it('keeps polling: rising messages/s and a newly rejected message appear without a reload', async () => {
    let polls = 0;
    let quarantined = [rejected(7, 'BAD-1', 'first reason')];
    setup({
      status: () => {
        polls++;
        return polls === 1
          ? status()
          : status({ messagesPerSecond: 8, totals: { accepted: 300, duplicate: 0, rejected: 2 } });
      },
      messages: () => quarantined,
    });
    expect(await screen.findByText('first reason')).toBeTruthy();
    quarantined = [rejected(8, 'BAD-2', 'second reason'), ...quarantined];
    await waitFor(() => expect(screen.getByTestId('messages-per-second').textContent).toBe('8.0'), {
      timeout: 5000,
    });
    expect(await screen.findByText('second reason')).toBeTruthy();
    expect(screen.getByTestId('total-rejected').textContent).toBe('2');
  });

  it("says so when the listener is off, and shows the node's error when it refuses", async () => {
    setup({
      status: () =>
        status({ listener: { enabled: false, host: null, port: null, tls: false, maxFrameBytes: null } }),
    });
    expect(await screen.findByText('Off')).toBeTruthy();
    expect(screen.getByText(/MLLP listener is switched off/)).toBeTruthy();
    cleanup();
    const fake = createFakeClient({
      'ingest.status': () => ({
        ok: false,
        error: { code: 'forbidden', message: 'the role clinician may not call ingest.status' },
      }),
    });
    renderAs('clinician', <SourcesScreen />, fake.client);
    expect(await screen.findByRole('alert')).toBeTruthy();
    expect(screen.getByText(/may not call ingest.status/)).toBeTruthy();
  });
});
