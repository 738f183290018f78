import { useEffect, useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { EXPORT_FORMATS, type ExportFormat } from '../../../shared/api/exports';
import { useClient } from '../../app/context';
import { ActionError } from '../../components/action-error';

export const FORMAT_LABELS: Record<ExportFormat, string> = {
  csv: 'CSV',
  'fhir-ndjson': 'FHIR R4 NDJSON',
  parquet: 'Parquet',
};

interface Choice {
  name: string;
  version: number;
  profiles: string[];
}

/** A date input's value (local midnight) as the ISO instant the API takes. */
const toIso = (date: string): string | undefined =>
  date ? new Date(`${date}T00:00:00`).toISOString() : undefined;

/**
 * Choose a product the researcher may export, a profile it allows, a format and an optional time
 * range; the node does the rest and answers with an export id to follow.
 */
export function ExportForm(props: { onStarted: (exportId: string) => void }) {
  const client = useClient();
  const [products, setProducts] = useState<Choice[]>([]);
  const [product, setProduct] = useState('');
  const [profile, setProfile] = useState('');
  const [format, setFormat] = useState<ExportFormat>('csv');
  const [from, setFrom] = useState('');
  const [to, setTo] = useState('');
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    let live = true;
    void (async () => {
      const list = await client.call('products.list', {});
      if (!live) return;
      if (!list.ok) return setError(list.error);
      const choices: Choice[] = [];
      for (const p of list.value.products.filter((x) => x.exportable)) {
        const d = await client.call('products.describe', { name: p.name });
        if (d.ok)
          choices.push({ name: p.name, version: p.version, profiles: d.value.definition.access.profiles });
      }
      if (!live) return;
      setProducts(choices);
      setProduct((current) => current || choices[0]?.name || '');
      setProfile((current) => current || choices[0]?.profiles[0] || '');
    })();
    return () => {
      live = false;
    };
  }, [client]);

  const chosen = products.find((p) => p.name === product);
  const submit = async () => {
    setBusy(true);
    setError(undefined);
    const r = await client.call('exports.create', {
      product,
      profile,
      format,
      from: toIso(from),
      to: toIso(to),
    });
    setBusy(false);
    if (r.ok) props.onStarted(r.value.exportId);
    else setError(r.error);
  };

  return (
    <form
      className="panel export-form"
      aria-labelledby="new-export-title"
      onSubmit={(e) => {
        e.preventDefault();
        void submit();
      }}
    >
      <h2 id="new-export-title" className="panel__title">
        New export
      </h2>
      <p className="panel__lead">
        Rows leave the node only de-identified: through the profile you choose, then the k-anonymity gate. The
        pseudonym key is made for this export alone.
      </p>
      <div className="export-form__grid">
        <label className="field">
          <span className="field__label">Data product</span>
          <select
            className="field__input"
            value={product}
            onChange={(e) => {
              setProduct(e.target.value);
              setProfile(products.find((p) => p.name === e.target.value)?.profiles[0] ?? '');
            }}
          >
            {products.map((p) => (
              <option key={p.name} value={p.name}>
                {p.name} (v{p.version})
              </option>
            ))}
          </select>
        </label>
        <label className="field">
          <span className="field__label">De-identification profile</span>
          <select className="field__input" value={profile} onChange={(e) => setProfile(e.target.value)}>
            {(chosen?.profiles ?? []).map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </label>
        <fieldset className="field export-form__formats">
          <legend className="field__label">Format</legend>
          {EXPORT_FORMATS.map((f) => (
            <label key={f} className="field--check">
              <input
                type="radio"
                name="format"
                value={f}
                checked={format === f}
                onChange={() => setFormat(f)}
              />{' '}
              {FORMAT_LABELS[f]}
            </label>
          ))}
        </fieldset>
        <label className="field">
          <span className="field__label">From (optional)</span>
          <input
            className="field__input"
            type="date"
            value={from}
            onChange={(e) => setFrom(e.target.value)}
          />
        </label>
        <label className="field">
          <span className="field__label">To (optional, exclusive)</span>
          <input className="field__input" type="date" value={to} onChange={(e) => setTo(e.target.value)} />
        </label>
      </div>
      <button type="submit" className="button button--primary" disabled={busy || !product || !profile}>
        Start export
      </button>
      {products.length === 0 && !error ? (
        <p className="muted">No product is open to you for export.</p>
      ) : null}
      {error ? <ActionError error={error} title="The export did not start." /> : null}
    </form>
  );
}
