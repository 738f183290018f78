import { useCallback, useEffect, useState, type ReactNode } from 'react';
import type { BackupStatus } from '../../../shared/api/backups';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { HealthAlert, HealthItem, HealthStatus, ProbeReport } from '../../../shared/api/health';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useClient } from '../../app/context';
import { formatDateTime } from '../../format/time';
import { formatBytes } from '../../format/quantity';
import { useNodeHealth } from '../settings/use-node-health';
import '../../components/dense-table.css';
import './health.css';

const INTERVAL_MS = 5000;

const BADGE: Record<HealthStatus, string> = {
  ok: 'badge badge--ok',
  warning: 'badge badge--warn',
  critical: 'badge badge--danger',
};
const STATUS_TEXT: Record<HealthStatus, string> = { ok: 'OK', warning: 'Warning', critical: 'Critical' };

/** Settings → Health (IT): firing alerts, disk and backups, then each subsystem's probe. */
export function HealthPanel() {
  const { health, error } = useNodeHealth(INTERVAL_MS);
  if (!health) {
    if (error) return <ApiErrorAlert error={error} what="the node's health" />;
    return (
      <p className="muted" role="status">
        Checking the node…
      </p>
    );
  }
  const ops = health.operations;
  if (!ops) return <p className="panel">This node does not run health checks.</p>;
  return (
    <div className="health">
      <Alerts alerts={ops.alerts} />
      <section className="health__section" aria-labelledby="health-disk">
        <h2 id="health-disk" className="health__title">
          Store and disk
        </h2>
        <p>
          Store {formatBytes(health.storeBytes)}, WAL {formatBytes(health.walBytes)};{' '}
          {formatBytes(ops.disk.freeBytes)} free of {formatBytes(ops.disk.totalBytes)} (
          <span data-testid="free-percent">{ops.disk.freePercent.toFixed(1)} %</span>).
        </p>
      </section>
      <Backups />
      {ops.probes
        .filter((p) => p.id !== 'store' && p.id !== 'backups')
        .map((probe) => (
          <Probe key={probe.id} probe={probe} />
        ))}
    </div>
  );
}

function Alerts(props: { alerts: readonly HealthAlert[] }) {
  if (props.alerts.length === 0) {
    return (
      <p className="health__all-well" role="status">
        No alerts: every check passes.
      </p>
    );
  }
  return (
    <section className="health__section" aria-labelledby="health-alerts">
      <h2 id="health-alerts" className="health__title">
        Alerts ({props.alerts.length})
      </h2>
      <ul className="health__alerts" aria-label="Firing alerts">
        {props.alerts.map((a) => (
          <li key={a.id} className={`health__alert health__alert--${a.severity}`}>
            <span className={BADGE[a.severity]}>{STATUS_TEXT[a.severity]}</span> {a.message}{' '}
            <span className="muted">since {formatDateTime(a.since)}</span>
          </li>
        ))}
      </ul>
    </section>
  );
}

const ISO_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/;

/**
 * A fact as IT reads it: yes/no; times in local date and time like the alerts above, on one line;
 * a long code (MDC_DEV_MON_PHYSIO_MULTI_PARAM_MDS) may break once after an underscore, so a device
 * table fits beside the settings menu at 1280 wide with its Silent column in view.
 */
function factText(value: HealthItem['facts'][string]): ReactNode {
  if (value === null) return '—';
  if (typeof value === 'boolean') return value ? 'yes' : 'no';
  if (typeof value === 'number') return String(value);
  if (ISO_TIME.test(value)) return <span className="health__time">{formatDateTime(value)}</span>;
  // One break at the underscore nearest the middle: two lines at most, never a column of fragments.
  const cut = nearestToMiddle(value, '_');
  if (cut < 0) return value;
  return (
    <>
      {value.slice(0, cut + 1)}
      <wbr />
      {value.slice(cut + 1)}
    </>
  );
}

/** The index of the `char` nearest the middle of `text`, or -1 if it has none (or only at its ends). */
function nearestToMiddle(text: string, char: string): number {
  let best = -1;
  for (let i = text.indexOf(char); i >= 0; i = text.indexOf(char, i + 1)) {
    const inside = i > 0 && i < text.length - 1;
    if (inside && (best < 0 || Math.abs(i - text.length / 2) < Math.abs(best - text.length / 2))) best = i;
  }
  return best;
}

/** `lastMessageAgeSeconds` → `Last message age (s)`: fact names in sentence case, like Name and Status. */
const factLabel = (key: string) => {
  const words = key
    .replace(/Seconds$/, ' (s)')
    .replace(/Bytes$/, ' (bytes)')
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .toLowerCase();
  return words.charAt(0).toUpperCase() + words.slice(1);
};

/** Items with the same facts share a table (the listener's figures apart from its devices'). */
function groups(items: readonly HealthItem[]): HealthItem[][] {
  const byKeys = new Map<string, HealthItem[]>();
  for (const item of items) {
    const key = Object.keys(item.facts).sort().join(',');
    byKeys.set(key, [...(byKeys.get(key) ?? []), item]);
  }
  return [...byKeys.values()];
}

function Probe(props: { probe: ProbeReport }) {
  const { probe } = props;
  const titleId = `probe-${probe.id}`;
  const tables = groups(probe.items);
  return (
    <section className="health__section" aria-labelledby={titleId}>
      <h2 id={titleId} className="health__title">
        {probe.label} <span className={BADGE[probe.status]}>{STATUS_TEXT[probe.status]}</span>
      </h2>
      <p className="muted">{probe.summary}</p>
      {tables.map((items, index) => (
        <ItemTable
          key={index}
          // The longest group (the devices, the sources) carries the probe's name.
          label={
            items.length === Math.max(...tables.map((t) => t.length))
              ? probe.label
              : `${probe.label}: ${items[0]!.name}`
          }
          items={items}
        />
      ))}
    </section>
  );
}

function ItemTable(props: { label: string; items: readonly HealthItem[] }) {
  const keys = Object.keys(props.items[0]!.facts);
  return (
    // Wide tables (many devices, long names) scroll inside the panel instead of past the screen.
    <div className="health__table-wrap">
      <table className="dense-table health__table" aria-label={props.label}>
        <thead>
          <tr>
            <th scope="col">Name</th>
            <th scope="col">Status</th>
            {keys.map((k) => (
              <th key={k} scope="col">
                {factLabel(k)}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {props.items.map((item) => (
            <tr key={item.name}>
              <td>{item.name}</td>
              <td>
                <span className={BADGE[item.status]}>{STATUS_TEXT[item.status]}</span>
              </td>
              {keys.map((k) => (
                <td key={k}>{factText(item.facts[k] ?? null)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function Backups() {
  const client = useClient();
  const [status, setStatus] = useState<BackupStatus | undefined>();
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const [running, setRunning] = useState(false);
  const load = useCallback(() => {
    void client.call('backups.status', {}).then((r) => (r.ok ? setStatus(r.value) : setError(r.error)));
  }, [client]);
  useEffect(load, [load]);
  const runNow = () => {
    setRunning(true);
    void client.call('backups.run', {}).then((r) => {
      setRunning(false);
      if (!r.ok) setError(r.error);
      else setError(undefined);
      load();
    });
  };
  return (
    <section className="health__section" aria-labelledby="health-backups">
      <h2 id="health-backups" className="health__title">
        Backups
      </h2>
      {error ? <ApiErrorAlert error={error} what="backups" /> : null}
      {status ? (
        <>
          <p>
            {status.configured
              ? `Every ${status.intervalHours} h into ${status.dir}, newest ${status.keep} kept.`
              : 'No backup folder is configured (operations.backup.dir in config.json, or VITALMESH_BACKUP_DIR).'}{' '}
            Last verified backup:{' '}
            {status.lastSuccess ? formatDateTime(status.lastSuccess.finishedAt) : 'none'}.
          </p>
          <button type="button" className="button" disabled={!status.configured || running} onClick={runNow}>
            {running ? 'Backing up…' : 'Back up now'}
          </button>
          {status.recent.length > 0 ? (
            <table className="dense-table" aria-label="Recent backups">
              <thead>
                <tr>
                  <th scope="col">Finished</th>
                  <th scope="col">File</th>
                  <th scope="col">Size</th>
                  <th scope="col">Verified</th>
                </tr>
              </thead>
              <tbody>
                {status.recent.map((r) => (
                  <tr key={r.id}>
                    <td>{formatDateTime(r.finishedAt)}</td>
                    <td>{r.file}</td>
                    <td>{r.bytes === null ? '—' : formatBytes(r.bytes)}</td>
                    <td>{r.outcome === 'ok' ? `yes (schema ${r.schemaVersion})` : `failed: ${r.error}`}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          ) : null}
        </>
      ) : null}
    </section>
  );
}
