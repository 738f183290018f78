import { useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { Hl7MessageView, ReplayResult } from '../../../shared/api/ingest';
import { useClient } from '../../app/context';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatDateTime } from '../../format/time';
import { segmentsOnLines } from './ingest-format';
import { useQuarantine } from './use-ingest';

/**
 * The quarantine: messages the node answered AE or AR, newest first, each with its reason; one
 * opens to show the message as received and the ACK the sender got. Patient fields come masked
 * for a role that may not read PHI (the node masks them; this only says so). A message can be
 * replayed, e.g. after a local code or a kept message type was added to the configuration.
 */
export function QuarantineList(props: { rejectedTotal: number }) {
  const { messages, error, reload } = useQuarantine(props.rejectedTotal);
  const [open, setOpen] = useState<number | undefined>(undefined);
  return (
    <section aria-labelledby="quarantine-title">
      <h3 id="quarantine-title" className="bedside__subtitle">
        Quarantine: rejected messages
      </h3>
      {error ? <ApiErrorAlert error={error} what="the quarantine" /> : null}
      {messages === undefined && !error ? <p className="muted">Loading…</p> : null}
      {messages?.length === 0 ? <p className="muted">No message has been rejected.</p> : null}
      {messages && messages.length > 0 ? (
        <table className="dense-table quarantine" aria-labelledby="quarantine-title">
          <thead>
            <tr>
              <th>Received</th>
              <th>Sender</th>
              <th>Control id</th>
              <th>Type</th>
              <th>ACK</th>
              <th>Reason</th>
              <th>
                <span className="visually-hidden">Message</span>
              </th>
            </tr>
          </thead>
          <tbody>
            {messages.map((m) => (
              <QuarantineRow
                key={m.id}
                message={m}
                open={open === m.id}
                onToggle={() => setOpen(open === m.id ? undefined : m.id)}
                onReplayed={reload}
              />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

type Replay =
  { state: 'running' } | { state: 'done'; result: ReplayResult } | { state: 'failed'; error: ApiErrorBody };

/** What a replay became, in the words IT reads it in; `before` is the original's reason. */
function replayText(r: ReplayResult, before: string | null): string {
  if (r.outcome === 'accepted')
    return r.observationCount > 0
      ? `Replayed: accepted, ${r.observationCount} observations stored`
      : 'Replayed: accepted and kept';
  if (r.outcome === 'duplicate') return 'Replayed: a duplicate of a message already accepted';
  if (r.reason === before) return `Replayed: rejected again (${r.ackCode}), for the same reason`;
  return `Replayed: rejected again (${r.ackCode}) — ${r.reason ?? 'no reason given'}`;
}

function QuarantineRow(props: {
  message: Hl7MessageView;
  open: boolean;
  onToggle: () => void;
  onReplayed: () => void;
}) {
  const { message: m, open } = props;
  const client = useClient();
  const [replay, setReplay] = useState<Replay | undefined>(undefined);
  const detailId = `quarantine-message-${m.id}`;
  const replayed = m.replayedAs?.outcome === 'accepted';
  const start = () => {
    setReplay({ state: 'running' });
    void client.call('ingest.replay', { id: m.id }).then((r) => {
      setReplay(r.ok ? { state: 'done', result: r.value } : { state: 'failed', error: r.error });
      if (r.ok) props.onReplayed();
    });
  };
  return (
    <>
      <tr aria-selected={open}>
        <td className="cell-nowrap">
          <time dateTime={m.receivedAt}>{formatDateTime(m.receivedAt)}</time>
        </td>
        <td>
          <code>{m.sender || '—'}</code>
          {m.remote ? <div className="muted">{m.remote}</div> : null}
        </td>
        <td>
          <code>{m.controlId || '—'}</code>
        </td>
        <td>{m.messageType || '—'}</td>
        <td>
          <span className={`ack ack--${m.ackCode === 'AR' || m.ackCode === 'CR' ? 'refused' : 'error'}`}>
            {m.ackCode}
          </span>
        </td>
        <td className="quarantine__reason">
          {m.reason ?? '—'}
          {replay?.state === 'done' ? (
            <div
              role="status"
              className={`quarantine__replay quarantine__replay--${replay.result.outcome === 'rejected' ? 'again' : 'ok'}`}
            >
              {replayText(replay.result, m.reason)}
            </div>
          ) : m.replayedAs ? (
            <div className="muted">
              Replayed as #{m.replayedAs.id}: {m.replayedAs.outcome}
            </div>
          ) : null}
          {replay?.state === 'failed' ? <ApiErrorAlert error={replay.error} what="the replay" /> : null}
        </td>
        <td className="cell-nowrap">
          <button
            type="button"
            className="button button--small"
            aria-expanded={open}
            aria-controls={detailId}
            onClick={props.onToggle}
          >
            {open ? 'Hide' : 'Show'} message
          </button>{' '}
          {replayed ? null : (
            <button
              type="button"
              className="button button--small"
              disabled={replay?.state === 'running'}
              title="Run this message through the ingest again, with the settings and codes of now"
              onClick={start}
            >
              {replay?.state === 'running' ? 'Replaying…' : 'Replay'}
            </button>
          )}
        </td>
      </tr>
      {open ? (
        <tr className="quarantine__detail">
          <td colSpan={7} id={detailId}>
            <div className="quarantine__blocks">
              <figure className="quarantine__block">
                <figcaption>
                  Message as received{' '}
                  {m.rawRedacted ? (
                    <span className="badge badge--warn">
                      patient fields masked: your role may not read PHI
                    </span>
                  ) : null}
                </figcaption>
                <pre className="hl7" aria-label="Raw HL7 message">
                  {segmentsOnLines(m.raw)}
                </pre>
              </figure>
              <figure className="quarantine__block">
                <figcaption>Acknowledgement sent</figcaption>
                <pre className="hl7" aria-label="ACK sent">
                  {segmentsOnLines(m.ack)}
                </pre>
              </figure>
            </div>
          </td>
        </tr>
      ) : null}
    </>
  );
}
