import type { ExportStatus } from '../../../shared/api/exports';
import { formatCount } from '../../format/count';
import { formatBytes } from '../../format/quantity';
import { FORMAT_LABELS } from './export-form';

const pct = (share: number) => `${(share * 100).toFixed(share < 0.01 && share > 0 ? 2 : 1)} %`;

/** A running export: a progress bar and a way to stop it. */
export function ExportProgress(props: { status: ExportStatus; onCancel: () => void }) {
  const s = props.status;
  return (
    <div className="export-progress" role="status" aria-live="polite">
      <progress
        max={Math.max(1, s.total)}
        value={s.written}
        aria-label={`Export ${s.exportId} progress`}
        className="export-progress__bar"
      />
      <span>
        {FORMAT_LABELS[s.format]} from {s.product}: {formatCount(s.written)} of {formatCount(s.total)} rows (
        {Math.round(s.progress * 100)} %)
      </span>
      <button type="button" className="button button--small" onClick={props.onCancel}>
        Cancel
      </button>
    </div>
  );
}

/**
 * What a finished export released and why: the manifest (files with their SHA-256) and the
 * release report (k achieved, what the gate held back, quality), as a privacy officer reads it.
 */
export function ExportManifest(props: { status: ExportStatus }) {
  const { report, files, manifestSha256 } = props.status;
  if (!report || !files) return null;
  const gate = report.gate;
  return (
    <div className="export-manifest" aria-label={`Manifest of export ${props.status.exportId}`}>
      <dl className="export-manifest__facts">
        <dt>Product</dt>
        <dd>
          {report.product} v{report.productVersion}
        </dd>
        <dt>Profile</dt>
        <dd>
          {report.profile} v{report.profileVersion}
        </dd>
        <dt>Rows released</dt>
        <dd>{formatCount(report.rowCount)}</dd>
        <dt>k-anonymity</dt>
        <dd>
          k = {gate.k} required, smallest class {gate.kAchieved ?? '—'} ({gate.classes} classes on{' '}
          {gate.quasiIdentifiers.join(', ') || 'no quasi-identifiers'})
        </dd>
        <dt>Patients</dt>
        <dd>
          {formatCount(gate.patients.released)} released ({formatCount(gate.patients.generalized)}{' '}
          generalized), {formatCount(gate.patients.suppressed)} suppressed of{' '}
          {formatCount(gate.patients.total)}
        </dd>
        <dt>Held back</dt>
        <dd>
          {gate.rowsSuppressed === 0
            ? 'nothing'
            : gate.suppressed
                .map((s) => `${formatCount(s.rows)} rows of ${formatCount(s.patients)} patients: ${s.reason}`)
                .join('; ')}
        </dd>
        <dt>Quality</dt>
        <dd>
          {pct(report.quality.outOfRangeShare)} out of range, {pct(report.quality.missingShare)} missing
          {report.quality.checks.some((c) => !c.passed) ? ' — a quality check failed' : ''}
        </dd>
        <dt>Manifest SHA-256</dt>
        <dd>
          <code className="export-manifest__hash">{manifestSha256}</code>
        </dd>
      </dl>
      <table className="dense-table export-manifest__files">
        <caption className="visually-hidden">Files</caption>
        <thead>
          <tr>
            <th scope="col">File</th>
            <th scope="col">Size</th>
            <th scope="col">SHA-256</th>
          </tr>
        </thead>
        <tbody>
          {files.map((f) => (
            <tr key={f.name}>
              <td className="cell-mono" title={f.path}>
                {f.name}
              </td>
              <td className="cell-num">{formatBytes(f.bytes)}</td>
              <td className="cell-mono export-manifest__hash">{f.sha256}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <p className="muted">
        On the node under <code>{files[0]?.path.replace(/\/[^/]+$/, '/')}</code>; the manifest&apos;s hash is
        in the audit chain.
      </p>
    </div>
  );
}
