import { useEffect, useMemo, useState } from 'react';
import { useStore } from 'zustand';
import type { ExportStatus } from '../../../shared/api/exports';
import { useClient } from '../../app/context';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatCount } from '../../format/count';
import { formatDateTime } from '../../format/time';
import { ExportForm, FORMAT_LABELS } from './export-form';
import { ExportManifest, ExportProgress } from './export-details';
import { createExportsStore } from './exports-store';
import '../../components/dense-table.css';
import '../../components/form.css';
import '../../components/panel.css';
import './exports.css';

const STATE_BADGE: Record<ExportStatus['state'], string> = {
  running: 'badge',
  done: 'badge badge--ok',
  failed: 'badge badge--danger',
  cancelled: 'badge badge--muted',
};

/** Exports: a researcher's de-identified datasets — start one, follow it, and read its manifest. */
export function ExportsScreen() {
  const client = useClient();
  const store = useMemo(() => createExportsStore(client), [client]);
  const exports = useStore(store, (s) => s.exports);
  const error = useStore(store, (s) => s.error);
  const { refresh, update } = store.getState();
  const [open, setOpen] = useState<string | undefined>();

  useEffect(() => {
    void refresh();
  }, [refresh]);

  // Follow every running export by its progress stream; on its end, fetch the full status.
  const running = exports.filter((e) => e.state === 'running').map((e) => e.exportId);
  const runningKey = running.join(',');
  useEffect(() => {
    const stops = runningKey
      .split(',')
      .filter(Boolean)
      .map((exportId) =>
        client.subscribe('exports.progress', { exportId }, (event) => {
          const current = store.getState().exports.find((e) => e.exportId === exportId);
          if (current) update({ ...current, ...event });
          if (event.state !== 'running') {
            void client.call('exports.get', { exportId }).then((r) => {
              if (r.ok) {
                update(r.value);
                setOpen(exportId);
              }
            });
          }
        }),
      );
    return () => stops.forEach((stop) => stop());
  }, [client, runningKey, store, update]);

  const started = async (exportId: string) => {
    const r = await client.call('exports.get', { exportId });
    if (r.ok) update(r.value);
    setOpen(exportId);
  };

  return (
    <section className="exports-screen" aria-label="Dataset exports">
      <ExportForm onStarted={(id) => void started(id)} />
      <div className="panel exports-history" aria-labelledby="history-title">
        <h2 id="history-title" className="panel__title">
          Your exports
        </h2>
        {error ? <ApiErrorAlert error={error} what="your exports" /> : null}
        {exports.length === 0 ? <p className="muted">No exports yet.</p> : null}
        <ul className="exports-history__list">
          {exports.map((e) => (
            <li key={e.exportId} className="exports-history__item">
              <div className="exports-history__head">
                <span className={STATE_BADGE[e.state]}>{e.state}</span> <strong>{e.product}</strong> v
                {e.productVersion} · {e.profile} · {FORMAT_LABELS[e.format]} ·{' '}
                <time dateTime={e.createdAt}>{formatDateTime(e.createdAt)}</time>
                {e.state === 'done' ? (
                  <button
                    type="button"
                    className="button button--small"
                    aria-expanded={open === e.exportId}
                    onClick={() => setOpen(open === e.exportId ? undefined : e.exportId)}
                  >
                    {open === e.exportId ? 'Hide manifest' : 'Show manifest'}
                  </button>
                ) : null}
              </div>
              {e.state === 'running' ? (
                <ExportProgress
                  status={e}
                  onCancel={() =>
                    void client
                      .call('exports.cancel', { exportId: e.exportId })
                      .then((r) => r.ok && update(r.value))
                  }
                />
              ) : null}
              {e.state === 'done' ? (
                <div className="export-progress">
                  <progress
                    className="export-progress__bar"
                    max={Math.max(1, e.written)}
                    value={e.written}
                    aria-label={`Export ${e.exportId} progress`}
                  />
                  <span>{formatCount(e.written)} rows written (100 %)</span>
                </div>
              ) : null}
              {e.state === 'failed' || e.state === 'cancelled' ? (
                <p className="muted">{e.error} — no file was kept.</p>
              ) : null}
              {open === e.exportId ? <ExportManifest status={e} /> : null}
            </li>
          ))}
        </ul>
      </div>
    </section>
  );
}
