import { useState } from 'react';
import type { FhirSourceView, FhirSyncCounts, FhirSyncProgress } from '../../../shared/api/fhir';
import { ActionError } from '../../components/action-error';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatCount } from '../../format/count';
import { formatDateTime } from '../../format/time';
import { FhirQuarantine } from './fhir-quarantine';
import { FhirSourceForm } from './fhir-source-form';
import { useFhirSources } from './use-fhir-sources';
import '../../components/dense-table.css';
import '../../components/form.css';
import './fhir-sources.css';

/** Sources → FHIR servers: the R4 servers this node imports from, their runs and what went wrong. */
export function FhirSourcesPanel() {
  const fhir = useFhirSources();
  const [adding, setAdding] = useState(false);
  if (!fhir.sources) {
    if (fhir.error) return <ApiErrorAlert error={fhir.error} what="the FHIR sources" />;
    return (
      <p className="muted" role="status">
        Asking the node for its FHIR sources…
      </p>
    );
  }
  return (
    <div className="fhir">
      <div className="fhir__head">
        <h2 className="fhir__title">FHIR R4 servers</h2>
        {!adding ? (
          <button type="button" className="button button--primary" onClick={() => setAdding(true)}>
            Add a FHIR server
          </button>
        ) : null}
      </div>
      {adding ? <FhirSourceForm onAdd={fhir.add} onDone={() => setAdding(false)} /> : null}
      {fhir.sources.length === 0 && !adding ? (
        <p className="muted">
          No FHIR servers yet. Add one to import patients, vital-sign observations, devices and bed context
          incrementally (by <code>_lastUpdated</code>).
        </p>
      ) : null}
      {fhir.sources.map((source) => (
        <SourceCard
          key={source.id}
          source={source}
          progress={fhir.progress[source.id]}
          result={fhir.results[source.id]}
          onSync={() => void fhir.sync(source.id)}
          onRemove={() => void fhir.remove(source.id)}
          onEnable={(enabled) => void fhir.setEnabled(source.id, enabled)}
        />
      ))}
    </div>
  );
}

const STATE_LABEL: Record<FhirSourceView['state'], [string, string]> = {
  idle: ['Not synced yet', 'badge--idle'],
  running: ['Syncing', 'badge--run'],
  ok: ['OK', 'badge--ok'],
  error: ['Last sync failed', 'badge--error'],
  stopped: ['Stopped: credentials refused', 'badge--error'],
};

function SourceCard(props: {
  source: FhirSourceView;
  progress: FhirSyncProgress | undefined;
  result: ReturnType<typeof useFhirSources>['results'][number] | undefined;
  onSync: () => void;
  onRemove: () => void;
  onEnable: (enabled: boolean) => void;
}) {
  const { source, progress, result } = props;
  const [confirming, setConfirming] = useState(false);
  const running = progress !== undefined && progress.phase !== 'finished';
  const [label, badge] = running ? STATE_LABEL.running : STATE_LABEL[source.state];
  const titleId = `fhir-source-${source.id}`;
  return (
    <section className="fhir__card" aria-labelledby={titleId} data-testid={`fhir-source-${source.id}`}>
      <div className="fhir__head">
        <h3 id={titleId} className="fhir__subtitle">
          {source.name}
        </h3>
        <span className={`badge ${badge}`} data-testid="fhir-state">
          {label}
        </span>
        {!source.enabled ? <span className="badge badge--idle">Schedule off</span> : null}
        <span className="fhir__spacer" />
        <button
          type="button"
          className="button button--primary button--small"
          onClick={props.onSync}
          disabled={running}
        >
          {running ? 'Syncing…' : 'Sync now'}
        </button>
        {source.intervalSeconds !== null ? (
          <button
            type="button"
            className="button button--small"
            onClick={() => props.onEnable(!source.enabled)}
            disabled={running}
          >
            {source.enabled ? 'Pause schedule' : 'Resume schedule'}
          </button>
        ) : null}
        {confirming ? (
          <>
            <button type="button" className="button button--danger button--small" onClick={props.onRemove}>
              Remove {source.name}
            </button>
            <button type="button" className="button button--small" onClick={() => setConfirming(false)}>
              Keep
            </button>
          </>
        ) : (
          <button
            type="button"
            className="button button--danger button--small"
            onClick={() => setConfirming(true)}
            disabled={running}
          >
            Remove…
          </button>
        )}
      </div>
      <dl className="fhir__facts">
        <div>
          <dt>Base URL</dt>
          <dd>
            <code>{source.baseUrl}</code>
          </dd>
        </div>
        <div>
          <dt>Auth</dt>
          <dd>
            {authLabel(source)}
            {source.auth.secret ? <span className="muted"> · {source.auth.secret}</span> : null}
          </dd>
        </div>
        <div>
          <dt>Resources</dt>
          <dd>{source.resources.join(', ')}</dd>
        </div>
        <div>
          <dt>Schedule</dt>
          <dd>
            {source.intervalSeconds === null
              ? 'only when asked'
              : `every ${Math.round(source.intervalSeconds / 60)} min`}
            , {source.pageSize} per page
          </dd>
        </div>
        <div>
          <dt>Last run</dt>
          <dd>{source.lastRunAt ? formatDateTime(source.lastRunAt) : 'never'}</dd>
        </div>
      </dl>
      {running && progress ? <SyncProgressBar progress={progress} /> : null}
      {!running && source.lastCounts ? <Counts counts={source.lastCounts} caption="Last sync" /> : null}
      {result && !result.ok ? (
        <ActionError error={result.error} title="The sync could not be started." />
      ) : null}
      {!running && source.lastError ? (
        <div
          className={`alert ${source.state === 'ok' ? 'alert--notice' : 'alert--error'}`}
          role={source.state === 'ok' ? 'status' : 'alert'}
        >
          <p className="alert__title">
            {source.state === 'ok' ? 'Note from the last sync' : 'What the last sync ran into'}
          </p>
          <p className="alert__detail" data-testid="fhir-last-error">
            {source.lastError}
          </p>
          {source.lastIssues.length > 0 ? (
            <ul className="alert__issues" aria-label="The server's OperationOutcome">
              {source.lastIssues.map((issue, i) => (
                <li key={i}>
                  <code>
                    {issue.severity} {issue.code}
                  </code>{' '}
                  {issue.text}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      {source.quarantined > 0 ? <FhirQuarantine sourceId={source.id} count={source.quarantined} /> : null}
    </section>
  );
}

function authLabel(source: FhirSourceView): string {
  const a = source.auth;
  switch (a.kind) {
    case 'none':
      return 'none';
    case 'basic':
      return `HTTP basic as ${a.username ?? '?'}`;
    case 'bearer':
      return 'bearer token';
    case 'smart':
      return `SMART Backend Services, client ${a.clientId ?? '?'} (${a.algorithm ?? '?'})`;
  }
}

/** The running sync: searches done of all (the bar), and the counts so far. */
function SyncProgressBar(props: { progress: FhirSyncProgress }) {
  const { progress } = props;
  const pct = progress.streamsTotal ? Math.round((progress.streamsDone / progress.streamsTotal) * 100) : 0;
  return (
    <div className="fhir__progress" data-testid="fhir-progress">
      <div className="fhir__progress-head">
        <span>
          {progress.resourceType ? `Reading ${progress.resourceType}` : 'Reading the CapabilityStatement'}
          {progress.total !== null ? ` (${formatCount(progress.total)} on the server)` : ''}
        </span>
        <span className="muted">
          {progress.streamsDone} of {progress.streamsTotal} searches
        </span>
      </div>
      <div
        className="fhir__bar"
        role="progressbar"
        aria-label="FHIR sync progress"
        aria-valuemin={0}
        aria-valuemax={100}
        aria-valuenow={pct}
      >
        <div className="fhir__bar-fill" style={{ width: `${pct}%` }} />
      </div>
      {progress.message ? <p className="fhir__note">{progress.message}</p> : null}
      <Counts counts={progress.counts} caption="So far" />
    </div>
  );
}

function Counts(props: { counts: FhirSyncCounts; caption: string }) {
  const c = props.counts;
  const cells: [string, number][] = [
    ['Fetched', c.fetched],
    ['Stored', c.stored],
    ['Unchanged', c.unchanged],
    ['Observations', c.observations],
    ['Skipped', c.skipped],
    ['Retracted', c.retracted],
    ['Quarantined', c.quarantined],
    ['Pages', c.pages],
  ];
  return (
    <table className="dense-table fhir__counts" aria-label={`${props.caption}: counts`}>
      <caption className="fhir__caption">{props.caption}</caption>
      <thead>
        <tr>
          {cells.map(([name]) => (
            <th key={name} scope="col">
              {name}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        <tr>
          {cells.map(([name, n]) => (
            <td key={name} data-testid={`count-${name.toLowerCase()}`}>
              {formatCount(n)}
            </td>
          ))}
        </tr>
      </tbody>
    </table>
  );
}
