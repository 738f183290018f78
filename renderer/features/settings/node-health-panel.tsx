import type { ReactNode } from 'react';
import { useAppState } from '../../app/context';
import { hrefFor } from '../../app/routes';
import { mayOpenSettingsPage } from '../../app/screen-access';
import { ApiErrorAlert } from '../../components/api-error-alert';
import type { KeySourceKind, NodeHealth } from '../../../shared/api/node';
import { formatClock, formatDateTime } from '../../format/time';
import { formatBytes, formatDuration } from '../../format/quantity';
import { useNodeHealth, useNow, type NodeHealthState } from './use-node-health';
import './node-health.css';

const KEY_SOURCE_LABELS: Record<KeySourceKind, string> = {
  keychain: 'OS keychain',
  file: 'Key file',
  passphrase: 'Passphrase',
};

export const HEARTBEAT_INTERVAL_MS = 5000;

/** Settings → Node: is this node well, and what is it running on. */
export function NodeHealthPanel() {
  const state = useNodeHealth(HEARTBEAT_INTERVAL_MS);
  const now = useNow(HEARTBEAT_INTERVAL_MS);
  const { health, error, live, liveError, receivedAt, refresh } = state;

  if (!health) {
    if (error) return <ApiErrorAlert error={error} what="the node's health" />;
    if (live === 'stopped' && liveError) return <ApiErrorAlert error={liveError} what="the node's health" />;
    return (
      <p className="muted" role="status">
        Checking the node…
      </p>
    );
  }

  // Three missed heartbeats: say so rather than show old numbers as if they were current.
  const stale = receivedAt !== undefined && now - receivedAt > 3 * HEARTBEAT_INTERVAL_MS;
  return (
    <section className="node-health" aria-labelledby="node-health-title">
      <div className="node-health__head">
        <h2 id="node-health-title" className="node-health__title">
          Node health
        </h2>
        <StatusBadge status={health.status} />
      </div>
      <HealthFacts health={health} />
      <div className="node-health__live">
        <p className="node-health__live-text" role="status">
          <LiveText state={state} stale={stale} />
        </p>
        <button type="button" className="button" onClick={refresh}>
          Check now
        </button>
      </div>
      {error ? <ApiErrorAlert error={error} what="the node's health" /> : null}
    </section>
  );
}

function LiveText(props: { state: NodeHealthState; stale: boolean }) {
  const { live, liveError, receivedAt } = props.state;
  const at = receivedAt === undefined ? '' : formatClock(receivedAt);
  if (live === 'stopped') {
    return (
      <>
        Live updates stopped: <code>{liveError?.code}</code> {liveError?.message}. Last received at {at}.
      </>
    );
  }
  if (props.stale) return `No update since ${at}; the connection to the node may be down.`;
  if (live === 'waiting') return `Waiting for live updates. Last checked at ${at}.`;
  return `Live: updated every ${HEARTBEAT_INTERVAL_MS / 1000} s. Last received at ${at}.`;
}

function StatusBadge(props: { status: NodeHealth['status'] }) {
  return props.status === 'ok' ? (
    <span className="badge badge--ok">OK</span>
  ) : (
    <span className="badge badge--warn">Degraded</span>
  );
}

/** "Degraded" with its reason: how many alerts fire, and where whoever may act on them reads them. */
function StatusFact(props: { health: NodeHealth }) {
  const role = useAppState((state) => state.session.user?.role);
  if (props.health.status === 'ok') return 'OK';
  const count = props.health.operations?.alerts.length ?? 0;
  if (count === 0) return 'Degraded';
  const firing = count === 1 ? '1 alert firing' : `${count} alerts firing`;
  return mayOpenSettingsPage('health', role) ? (
    <>
      Degraded: {firing}, <a href={hrefFor({ screen: 'settings', page: 'health' })}>see Health</a>
    </>
  ) : (
    `Degraded: ${firing}; facility IT sees them under Settings → Health`
  );
}

function HealthFacts(props: { health: NodeHealth }) {
  const { health } = props;
  const facts: [string, ReactNode][] = [
    ['Status', <StatusFact health={health} />],
    ['Version', health.version],
    ['Uptime', formatDuration(health.uptimeSeconds)],
    ['Database schema', `version ${health.schemaVersion}`],
    ['Database key source', KEY_SOURCE_LABELS[health.keySource]],
    ['Database size', formatBytes(health.storeBytes)],
    ['Write-ahead log', formatBytes(health.walBytes)],
    ['Checked at', <time dateTime={health.checkedAt}>{formatDateTime(health.checkedAt)}</time>],
  ];
  return (
    <dl className="facts">
      {facts.map(([term, value]) => (
        <div className="facts__row" key={term}>
          <dt>{term}</dt>
          <dd>{value}</dd>
        </div>
      ))}
    </dl>
  );
}
