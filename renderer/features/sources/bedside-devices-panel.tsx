import { useEffect, useRef, useState, type ReactNode } from 'react';
import type { IngestStatus } from '../../../shared/api/ingest';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatCount } from '../../format/count';
import { ago, formatDateTime } from '../../format/time';
import { formatRate } from './ingest-format';
import { QuarantineList } from './quarantine-list';
import { useIngestStatus } from './use-ingest';
import '../../components/dense-table.css';
import '../../components/form.css';

export const STATUS_INTERVAL_MS = 2000;
const RATE_SAMPLES = 30;

/** Sources → Bedside devices: the HL7 v2 (MLLP) listener, who is connected, what came in. */
export function BedsideDevicesPanel() {
  const { status, error, receivedAt } = useIngestStatus(STATUS_INTERVAL_MS);
  const rates = useRateHistory(status, receivedAt);
  if (!status) {
    if (error) return <ApiErrorAlert error={error} what="the bedside-device listener" />;
    return (
      <p className="muted" role="status">
        Asking the node about its HL7 listener…
      </p>
    );
  }
  const now = receivedAt ?? Date.now();
  return (
    <div className="bedside">
      {error ? <ApiErrorAlert error={error} what="the latest listener status" /> : null}
      <ListenerSummary status={status} rates={rates} />
      <Totals status={status} />
      <Connections status={status} now={now} />
      <Devices status={status} now={now} />
      <QuarantineList rejectedTotal={status.totals.rejected} />
    </div>
  );
}

/** The last few messages/s figures, one per status answer, for the little trend line. */
function useRateHistory(status: IngestStatus | undefined, receivedAt: number | undefined): number[] {
  const [rates, setRates] = useState<number[]>([]);
  const last = useRef<number | undefined>(undefined);
  useEffect(() => {
    if (!status || receivedAt === undefined || last.current === receivedAt) return;
    last.current = receivedAt;
    setRates((previous) => [...previous, status.messagesPerSecond].slice(-RATE_SAMPLES));
  }, [status, receivedAt]);
  return rates;
}

function ListenerSummary(props: { status: IngestStatus; rates: number[] }) {
  const { listener, messagesPerSecond, connections, lastMessageAt } = props.status;
  return (
    <section className="bedside__summary" aria-labelledby="listener-title">
      <div className="bedside__head">
        <h2 id="listener-title" className="bedside__title">
          HL7 v2 listener
        </h2>
        {listener.enabled ? (
          <span className="badge badge--ok">Listening</span>
        ) : (
          <span className="badge badge--warn">Off</span>
        )}
      </div>
      {listener.enabled ? (
        <dl className="bedside__facts">
          <Fact term="Address">
            <code>
              {listener.host}:{listener.port}
            </code>{' '}
            {listener.tls ? 'MLLP over TLS' : 'MLLP over TCP'}
          </Fact>
          <Fact term="Largest message">{formatCount(listener.maxFrameBytes ?? 0)} bytes</Fact>
          <Fact term="Connections">
            <span data-testid="connection-count">{connections.length}</span>
          </Fact>
          <Fact term="Messages/s">
            <span data-testid="messages-per-second">{formatRate(messagesPerSecond)}</span>{' '}
            <RateLine rates={props.rates} />
          </Fact>
          <Fact term="Last message">
            {lastMessageAt ? formatDateTime(lastMessageAt) : 'none since the node started'}
          </Fact>
          <Fact term="Message reading">
            <Reading reading={props.status.reading} />
          </Fact>
        </dl>
      ) : (
        <p className="muted">
          The MLLP listener is switched off (<code>mllpEnabled: false</code> in config.json, or{' '}
          <code>VITALMESH_MLLP_ENABLED=0</code>): bedside monitors can't send to this node.
        </p>
      )}
    </section>
  );
}

/** Where frames are parsed, and whether a worker had to be restarted (its frames got AR). */
function Reading(props: { reading: IngestStatus['reading'] }) {
  const { threads, running, restarts, lastExitAt } = props.reading;
  return (
    <span data-testid="message-reading">
      {threads === 0
        ? "on the store's thread"
        : `${running} of ${threads} worker thread${threads === 1 ? '' : 's'} running`}
      {restarts > 0 ? (
        <>
          {' '}
          <span className="badge badge--warn">
            restarted {restarts === 1 ? 'once' : `${formatCount(restarts)} times`}
          </span>{' '}
          <span className="muted">
            last {lastExitAt ? formatDateTime(lastExitAt) : ''}; the messages it held were answered AR, resend
            later
          </span>
        </>
      ) : null}
    </span>
  );
}

function Fact(props: { term: string; children: ReactNode }) {
  return (
    <div className="bedside__fact">
      <dt>{props.term}</dt>
      <dd>{props.children}</dd>
    </div>
  );
}

/** Messages/s over the last minute as a small line; the figure beside it is the latest. */
function RateLine(props: { rates: number[] }) {
  const { rates } = props;
  if (rates.length < 2) return null;
  const max = Math.max(1, ...rates);
  const points = rates.map((r, i) => `${(i / (RATE_SAMPLES - 1)) * 120},${22 - (r / max) * 20}`).join(' ');
  return (
    <svg className="bedside__rate" viewBox="0 0 120 24" width="120" height="24" aria-hidden="true">
      {/* A faint frame: the first samples are a short stroke at the left that read as a stray "/". */}
      <rect x="0.5" y="0.5" width="119" height="23" fill="none" stroke="currentColor" strokeOpacity="0.2" />
      <polyline points={points} fill="none" stroke="currentColor" strokeWidth="1.5" />
    </svg>
  );
}

function Totals(props: { status: IngestStatus }) {
  const { counters, totals } = props.status;
  const cells: [string, number, string][] = [
    ['Accepted', totals.accepted, 'stored and acknowledged AA'],
    ['Duplicates', totals.duplicate, 'resent, acknowledged, not stored twice'],
    ['Rejected', totals.rejected, 'answered AE/AR; kept in the quarantine'],
    ['Observations', counters.observations, 'stored since the node started'],
  ];
  return (
    <section aria-labelledby="totals-title">
      <h3 id="totals-title" className="bedside__subtitle">
        Messages kept
      </h3>
      <ul className="bedside__totals">
        {cells.map(([label, value, hint]) => (
          <li key={label} className="bedside__total" title={hint}>
            <span className="bedside__total-value" data-testid={`total-${label.toLowerCase()}`}>
              {formatCount(value)}
            </span>
            <span className="bedside__total-label">{label}</span>
          </li>
        ))}
      </ul>
      {counters.oversized > 0 || counters.junkBytes > 0 ? (
        <p className="muted">
          Since start: {formatCount(counters.oversized)} oversized frames refused,{' '}
          {formatCount(counters.junkBytes)} bytes outside MLLP frames skipped.
        </p>
      ) : null}
    </section>
  );
}

function Connections(props: { status: IngestStatus; now: number }) {
  const { connections } = props.status;
  return (
    <section aria-labelledby="connections-title">
      <h3 id="connections-title" className="bedside__subtitle">
        Connected senders ({connections.length})
      </h3>
      {connections.length === 0 ? (
        <p className="muted">No monitor or gateway is connected.</p>
      ) : (
        <table className="dense-table" aria-labelledby="connections-title">
          <thead>
            <tr>
              <th>#</th>
              <th>From</th>
              <th>Connected</th>
              <th className="cell-num">Messages</th>
              <th>Last message</th>
              <th>Security</th>
            </tr>
          </thead>
          <tbody>
            {connections.map((c) => (
              <tr key={c.id}>
                <td className="cell-num">{c.id}</td>
                <td>
                  <code>{c.remote}</code>
                </td>
                <td>{ago(c.since, props.now)}</td>
                <td className="cell-num">{formatCount(c.messages)}</td>
                <td>{c.lastMessageAt ? ago(c.lastMessageAt, props.now) : '—'}</td>
                <td>{c.tls ? (c.peer ? `TLS, ${c.peer}` : 'TLS') : 'plain TCP'}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}

function Devices(props: { status: IngestStatus; now: number }) {
  const { devices } = props.status;
  return (
    <section aria-labelledby="devices-title">
      <h3 id="devices-title" className="bedside__subtitle">
        Devices, last heard from
      </h3>
      {devices.length === 0 ? (
        <p className="muted">No device has sent a message yet.</p>
      ) : (
        <table className="dense-table" aria-labelledby="devices-title">
          <thead>
            <tr>
              <th>Device</th>
              <th>Kind</th>
              <th>Last message</th>
            </tr>
          </thead>
          <tbody>
            {devices.map((d) => (
              <tr key={d.identifier}>
                <td>
                  <code>{d.identifier}</code>
                </td>
                <td>{d.kind ?? '—'}</td>
                <td>
                  <time dateTime={d.lastSeenAt}>{ago(d.lastSeenAt, props.now)}</time>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
