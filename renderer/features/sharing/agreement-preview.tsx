import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatCount } from '../../format/count';
import { cellText, useLoad } from './use-load';

/** "What would leave the building": sample rows exactly as the peer would get them, and the gate's report. */
export function AgreementPreview(props: { id: string; version: number }) {
  const p = useLoad(
    'agreements.preview',
    { id: props.id, version: props.version, sampleRows: 10 },
    `${props.id}@${props.version}`,
  );
  if (p.error) return <ApiErrorAlert error={p.error} what="the preview" />;
  if (!p.value) return <p className="muted">Running the release pipeline for a preview…</p>;
  return (
    <div className="sharing__preview" data-testid="agreement-preview">
      {p.value.products.map((prod) => (
        <section key={prod.productId} aria-label={`Preview of ${prod.productId}`}>
          <p>
            <strong>{prod.productId}</strong> v{prod.productVersion} through {prod.profile}:{' '}
            {formatCount(prod.releasedRows)} of {formatCount(prod.totalRows)} rows would be released; k
            achieved {prod.gate.kAchieved ?? '—'} (k ≥ {prod.gate.k} on{' '}
            {prod.gate.quasiIdentifiers.join(', ')}
            ); patients released {formatCount(prod.gate.patients.released)}, generalized{' '}
            {formatCount(prod.gate.patients.generalized)}, suppressed{' '}
            {formatCount(prod.gate.patients.suppressed)}.
          </p>
          {prod.gate.suppressed.length > 0 ? (
            <ul>
              {prod.gate.suppressed.map((s) => (
                <li key={s.reason}>
                  held back: {s.reason} ({formatCount(s.patients)} patients, {formatCount(s.rows)} rows)
                </li>
              ))}
            </ul>
          ) : null}
          <div className="sharing__scroll">
            <table className="dense-table" aria-label={`Sample rows of ${prod.productId}`}>
              <thead>
                <tr>
                  {prod.columns.map((c) => (
                    <th key={c} scope="col">
                      {c}
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {prod.sample.map((row, i) => (
                  <tr key={i}>
                    {row.map((v, j) => (
                      <td key={j}>{cellText(prod.columns[j], v)}</td>
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        </section>
      ))}
    </div>
  );
}
