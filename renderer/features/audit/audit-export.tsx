import { useEffect, useRef, useState } from 'react';
import type { AuditExportStatus, AuditFilter } from '../../../shared/api/audit';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { ActionError } from '../../components/action-error';
import { useClient } from '../../app/context';
import { formatBytes } from '../../format/quantity';
import { formatCount } from '../../format/count';
import { describeFilter } from './audit-format';

export const EXPORT_POLL_MS = 300;
const FORMAT_LABELS: Record<AuditExportStatus['format'], string> = {
  csv: 'CSV',
  'fhir-ndjson': 'FHIR AuditEvent NDJSON',
};

/**
 * Exports the entries the current filter matches, on the node, and follows its progress. The
 * file's SHA-256 is recorded in the chain by the node, so the report can be proven unaltered later.
 */
export function AuditExport(props: { filter: AuditFilter }) {
  const client = useClient();
  const [status, setStatus] = useState<AuditExportStatus | undefined>();
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const running = status?.state === 'running';
  const mounted = useRef(true);
  useEffect(() => {
    mounted.current = true;
    return () => {
      mounted.current = false;
    };
  }, []);

  // Poll while an export runs; stop on done, failure, or leaving the screen.
  useEffect(() => {
    if (!status || status.state !== 'running') return;
    const timer = setTimeout(() => {
      void client.call('audit.exportStatus', { exportId: status.exportId }).then((r) => {
        if (!mounted.current) return;
        if (r.ok) setStatus(r.value);
        else setError(r.error);
      });
    }, EXPORT_POLL_MS);
    return () => clearTimeout(timer);
  }, [client, status]);

  const start = async (format: AuditExportStatus['format']) => {
    setError(undefined);
    const r = await client.call('audit.export', { format, filter: props.filter });
    if (!mounted.current) return;
    if (r.ok) setStatus(r.value);
    else setError(r.error);
  };

  return (
    <div className="audit-tool" aria-labelledby="export-title">
      <h2 id="export-title" className="audit-tool__title">
        Export <span className="muted">({describeFilter(props.filter)})</span>
      </h2>
      <div className="audit-tool__row">
        <button type="button" className="button" disabled={running} onClick={() => void start('csv')}>
          Export CSV
        </button>
        <button type="button" className="button" disabled={running} onClick={() => void start('fhir-ndjson')}>
          Export FHIR NDJSON
        </button>
      </div>
      {status ? <ExportProgress status={status} /> : null}
      {error ? <ActionError error={error} title="The export did not finish." /> : null}
    </div>
  );
}

function ExportProgress(props: { status: AuditExportStatus }) {
  const s = props.status;
  const label = FORMAT_LABELS[s.format];
  if (s.state === 'running') {
    return (
      <div className="export-progress" role="status">
        <progress max={Math.max(1, s.total)} value={s.written} aria-label={`${label} export progress`} />
        <span>
          Writing {label}: {formatCount(s.written)} of {formatCount(s.total)} entries…
        </span>
      </div>
    );
  }
  if (s.state === 'failed') {
    return (
      <div className="alert alert--error" role="alert">
        <p className="alert__title">
          The {label} export failed after {formatCount(s.written)} entries.
        </p>
        <p className="alert__detail">{s.error}</p>
      </div>
    );
  }
  return (
    <div className="export-done" role="status">
      <p className="export-done__title">
        <span className="badge badge--ok">Done</span> {label}: {formatCount(s.written)}{' '}
        {s.written === 1 ? 'entry' : 'entries'}, {formatBytes(s.bytes ?? 0)}
      </p>
      <dl className="export-done__facts">
        <dt>File on the node</dt>
        <dd>
          <code className="export-done__path">{s.file}</code>
        </dd>
        <dt>SHA-256</dt>
        <dd>
          <code className="export-done__hash">{s.sha256}</code>
        </dd>
      </dl>
      <p className="muted export-done__note">
        The file is owner-only on the node&apos;s disk; its SHA-256 is recorded in the audit chain.
      </p>
    </div>
  );
}
