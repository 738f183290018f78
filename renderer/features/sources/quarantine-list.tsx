import { useState } from 'react';
import type { Hl7MessageView } from '../../../shared/api/ingest';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatTime, segmentsOnLines } from './ingest-format';
import { useQuarantine } from './use-ingest';

/**
 * The quarantine: messages the node answered AE or AR, newest first, each with its reason; one
 * opens to show the message as received and the ACK the sender got. Patient fields come masked
 * for a role that may not read PHI (the node masks them; this only says so).
 */
export function QuarantineList(props: { rejectedTotal: number }) {
  const { messages, error } = useQuarantine(props.rejectedTotal);
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
              />
            ))}
          </tbody>
        </table>
      ) : null}
    </section>
  );
}

function QuarantineRow(props: { message: Hl7MessageView; open: boolean; onToggle: () => void }) {
  const { message: m, open } = props;
  const detailId = `quarantine-message-${m.id}`;
  return (
    <>
      <tr aria-selected={open}>
        <td className="cell-nowrap">
          <time dateTime={m.receivedAt}>{formatTime(m.receivedAt)}</time>
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
        <td className="quarantine__reason">{m.reason ?? '—'}</td>
        <td>
          <button
            type="button"
            className="button button--small"
            aria-expanded={open}
            aria-controls={detailId}
            onClick={props.onToggle}
          >
            {open ? 'Hide' : 'Show'} message
          </button>
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
