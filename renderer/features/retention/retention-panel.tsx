import { useCallback, useEffect, useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type {
  DataClass,
  RetentionClassView,
  RetentionOverview,
  RetentionRunView,
} from '../../../shared/api/retention';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useAppState, useClient } from '../../app/context';
import { formatCount } from '../../format/count';
import { formatDateTime } from '../../format/time';
import '../../components/dense-table.css';
import '../../components/form.css';
import './retention.css';

const DATA_CLASS_LABELS: Record<DataClass, string> = {
  phi: 'PHI',
  deidentified: 'De-identified',
  operational: 'Operational',
};

/**
 * Settings → Retention: how long each kind of data is kept (IT sets it; compliance reads it),
 * what a run would delete (dry run) and did delete, and the classification of every table.
 */
export function RetentionPanel() {
  const client = useClient();
  const role = useAppState((state) => state.session.user?.role);
  const mayChange = role === 'it_admin';
  const [overview, setOverview] = useState<RetentionOverview | undefined>();
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const [result, setResult] = useState<RetentionRunView | undefined>();
  const [busy, setBusy] = useState(false);
  const load = useCallback(() => {
    void client.call('retention.overview', {}).then((r) => (r.ok ? setOverview(r.value) : setError(r.error)));
  }, [client]);
  useEffect(load, [load]);

  const run = (dryRun: boolean) => {
    setBusy(true);
    void client.call('retention.run', { dryRun }).then((r) => {
      setBusy(false);
      if (r.ok) {
        setResult(r.value);
        setError(undefined);
      } else setError(r.error);
      load();
    });
  };

  if (!overview) {
    if (error) return <ApiErrorAlert error={error} what="retention" />;
    return (
      <p className="muted" role="status">
        Loading retention…
      </p>
    );
  }
  return (
    <div className="retention">
      {error ? <ApiErrorAlert error={error} what="retention" /> : null}
      <section aria-labelledby="retention-policies">
        <h2 id="retention-policies" className="retention__title">
          Retention periods
        </h2>
        <p className="muted">
          {overview.scheduleHours > 0
            ? `Runs every ${overview.scheduleHours} h. `
            : 'No schedule: runs only on request. '}
          The audit chain is never purged.{' '}
          {overview.autoVacuum === 'incremental'
            ? 'Freed space goes back to the disk after each run.'
            : 'This database was made before incremental vacuum: freed space is reused, not returned to the disk (see docs/operations.md).'}
        </p>
        <table className="dense-table" aria-label="Retention periods">
          <thead>
            <tr>
              <th scope="col">Class</th>
              <th scope="col">Data</th>
              <th scope="col">Tables</th>
              <th scope="col">Keep</th>
              <th scope="col">Set by</th>
            </tr>
          </thead>
          <tbody>
            {overview.classes.map((c) => (
              <PolicyRow key={c.id} cls={c} mayChange={mayChange} onSaved={load} onError={setError} />
            ))}
          </tbody>
        </table>
        {mayChange ? (
          <div className="retention__actions">
            <button type="button" className="button" disabled={busy} onClick={() => run(true)}>
              Dry run
            </button>
            <button
              type="button"
              className="button button--primary"
              disabled={busy}
              onClick={() => run(false)}
            >
              Run now
            </button>
          </div>
        ) : null}
        {result ? <RunResult run={result} /> : null}
      </section>
      <section aria-labelledby="retention-runs">
        <h2 id="retention-runs" className="retention__title">
          Recent runs
        </h2>
        {overview.runs.length === 0 ? (
          <p className="muted">No runs yet.</p>
        ) : (
          <table className="dense-table" aria-label="Recent runs">
            <thead>
              <tr>
                <th scope="col">Started</th>
                <th scope="col">By</th>
                <th scope="col">Kind</th>
                <th scope="col">Rows</th>
                <th scope="col">Pages freed</th>
              </tr>
            </thead>
            <tbody>
              {overview.runs.map((r) => (
                <tr key={r.id}>
                  <td>{formatDateTime(r.startedAt)}</td>
                  <td>{r.actor}</td>
                  <td>{r.dryRun ? 'Dry run' : 'Purge'}</td>
                  <td>
                    {r.error ? `failed: ${r.error}` : formatCount(r.classes.reduce((n, c) => n + c.rows, 0))}
                  </td>
                  <td>{r.freedPages}</td>
                </tr>
              ))}
            </tbody>
          </table>
        )}
      </section>
      <section aria-labelledby="retention-classification">
        <h2 id="retention-classification" className="retention__title">
          Data classification
        </h2>
        <table className="dense-table" aria-label="Data classification">
          <thead>
            <tr>
              <th scope="col">Table</th>
              <th scope="col">Data</th>
              <th scope="col">Retention class</th>
              <th scope="col">What it holds</th>
            </tr>
          </thead>
          <tbody>
            {overview.classification.map((t) => (
              <tr key={t.table}>
                <td>
                  <code>{t.table}</code>
                </td>
                <td>{DATA_CLASS_LABELS[t.dataClass]}</td>
                <td>{t.retentionClass ?? 'kept'}</td>
                <td>{t.description}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </section>
    </div>
  );
}

function PolicyRow(props: {
  cls: RetentionClassView;
  mayChange: boolean;
  onSaved: () => void;
  onError: (e: ApiErrorBody) => void;
}) {
  const { cls } = props;
  const client = useClient();
  const [days, setDays] = useState(cls.keepDays === null ? '' : String(cls.keepDays));
  const save = () => {
    const keepDays = days.trim() === '' ? null : Number(days);
    void client.call('retention.setPolicy', { class: cls.id, keepDays }).then((r) => {
      if (r.ok) props.onSaved();
      else props.onError(r.error);
    });
  };
  return (
    <tr>
      <td>{cls.label}</td>
      <td>{DATA_CLASS_LABELS[cls.dataClass]}</td>
      <td>{cls.tables.join(', ')}</td>
      <td>
        {props.mayChange ? (
          <span className="retention__keep">
            <input
              className="input retention__days"
              type="number"
              min={1}
              inputMode="numeric"
              placeholder="keep"
              aria-label={`Days to keep: ${cls.label}`}
              value={days}
              onChange={(e) => setDays(e.target.value)}
            />{' '}
            days{' '}
            <button type="button" className="button" onClick={save}>
              Save
            </button>
          </span>
        ) : cls.keepDays === null ? (
          'keep'
        ) : (
          `${cls.keepDays} days`
        )}
      </td>
      <td>{cls.updatedBy ? `${cls.updatedBy}, ${formatDateTime(cls.updatedAt)}` : 'default (keep)'}</td>
    </tr>
  );
}

function RunResult(props: { run: RetentionRunView }) {
  const { run } = props;
  return (
    <div className="retention__result" role="status">
      <p>
        {run.dryRun ? 'A run now would delete:' : 'Deleted:'}{' '}
        {run.classes
          .filter((c) => c.cutoff !== null)
          .map((c) => `${c.class} ${formatCount(c.rows)}`)
          .join(', ') || 'nothing (every class is kept)'}
        {run.dryRun ? '' : `; ${run.freedPages} pages returned to the disk`}.
      </p>
    </div>
  );
}
