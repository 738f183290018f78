import { useCallback, useEffect, useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { ProductDescription } from '../../../shared/api/products';
import { mayCall, METHOD_ACCESS } from '../../../shared/permissions';
import { useAppState, useClient } from '../../app/context';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { Tabs } from '../../components/tabs';
import { formatCount } from '../../format/count';
import { formatDateTime } from '../../format/time';
import { ProductEditor } from './product-editor';
import { ProfilesPanel } from './profiles-panel';
import { UnitTypesPanel } from './unit-types-panel';
import '../../components/dense-table.css';
import '../../components/form.css';
import '../../components/panel.css';
import './products.css';

type Summary = {
  name: string;
  version: number;
  owner: string;
  grain: string;
  builtIn: boolean;
  exportable: boolean;
  description: string;
};

const pct = (share: number) => `${(share * 100).toFixed(2)} %`;

const SECTIONS = [
  { id: 'catalog', label: 'Catalog', need: 'products.list' },
  { id: 'profiles', label: 'De-identification profiles', need: 'profiles.list' },
  { id: 'units', label: 'Unit types', need: 'products.unitTypes' },
] as const;
type Section = (typeof SECTIONS)[number]['id'];

/** Products: the catalog, the de-identification profiles and the unit types, a tab each. */
export function ProductsScreen() {
  const role = useAppState((s) => s.session.user?.role);
  const sections = SECTIONS.filter((s) => mayCall(METHOD_ACCESS[s.need], role));
  const [selected, setSelected] = useState<Section>('catalog');
  const current = sections.find((s) => s.id === selected) ?? sections[0];
  if (!current) return null;
  return (
    <div className="products-screen">
      <Tabs idPrefix="products" label="Products" tabs={sections} selected={current.id} onSelect={setSelected}>
        {current.id === 'catalog' ? <CatalogPanel /> : null}
        {current.id === 'profiles' ? <ProfilesPanel /> : null}
        {current.id === 'units' ? <UnitTypesPanel /> : null}
      </Tabs>
    </div>
  );
}

/**
 * The data product catalog — what each product holds (schema, row count, time coverage), how
 * good it is (quality checks), where it came from (lineage) and its versions; IT edits
 * definitions, which publishes a new version.
 */
function CatalogPanel() {
  const client = useClient();
  const role = useAppState((s) => s.session.user?.role);
  const mayEdit = mayCall(METHOD_ACCESS['products.save'], role);
  const [products, setProducts] = useState<Summary[]>([]);
  const [selected, setSelected] = useState<string | undefined>();
  const [detail, setDetail] = useState<ProductDescription | undefined>();
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const [editing, setEditing] = useState<'new' | 'edit' | undefined>();
  const [profileNames, setProfileNames] = useState<string[]>(['safe-harbor']);
  useEffect(() => {
    if (!editing) return;
    void client.call('profiles.list', {}).then((r) => {
      if (r.ok) setProfileNames(r.value.profiles.map((p) => p.name));
    });
  }, [client, editing]);

  const load = useCallback(async () => {
    const r = await client.call('products.list', {});
    if (!r.ok) return setError(r.error);
    setProducts(r.value.products);
    setSelected((s) => s ?? r.value.products[0]?.name);
  }, [client]);
  useEffect(() => void load(), [load]);

  useEffect(() => {
    if (!selected) return;
    let live = true;
    void client.call('products.describe', { name: selected }).then((r) => {
      if (!live) return;
      if (r.ok) setDetail(r.value);
      else setError(r.error);
    });
    return () => {
      live = false;
    };
  }, [client, selected, products]);

  return (
    <section className="products-catalog" aria-label="Data products">
      {error ? <ApiErrorAlert error={error} what="the product catalog" /> : null}
      <div className="panel">
        <table className="dense-table">
          <caption className="visually-hidden">Data products</caption>
          <thead>
            <tr>
              <th scope="col">Product</th>
              <th scope="col">Version</th>
              <th scope="col">Grain</th>
              <th scope="col">Owner</th>
              <th scope="col">Export</th>
            </tr>
          </thead>
          <tbody>
            {products.map((p) => (
              <tr key={p.name} aria-selected={p.name === selected} onClick={() => setSelected(p.name)}>
                <td>
                  <button type="button" className="link-button" onClick={() => setSelected(p.name)}>
                    {p.name}
                  </button>
                  {p.builtIn ? <span className="badge badge--muted">built in</span> : null}
                </td>
                <td className="cell-num">v{p.version}</td>
                <td>{p.grain}</td>
                <td>{p.owner}</td>
                <td>{p.exportable ? 'open to you' : '—'}</td>
              </tr>
            ))}
          </tbody>
        </table>
        {mayEdit ? (
          <button type="button" className="button" onClick={() => setEditing('new')}>
            New product
          </button>
        ) : null}
      </div>
      {editing ? (
        <ProductEditor
          key={editing === 'edit' ? `edit:${detail?.name}` : 'new'}
          initial={editing === 'edit' ? detail?.definition : undefined}
          profileNames={profileNames}
          onClose={() => setEditing(undefined)}
          onSaved={(name) => {
            setEditing(undefined);
            setSelected(name);
            void load();
          }}
        />
      ) : null}
      {detail ? (
        <ProductDetail product={detail} onEdit={mayEdit ? () => setEditing('edit') : undefined} />
      ) : null}
    </section>
  );
}

function ProductDetail(props: { product: ProductDescription; onEdit: (() => void) | undefined }) {
  const p = props.product;
  return (
    <article className="panel product-detail" aria-label={`Product ${p.name}`}>
      <h2 className="panel__title">
        {p.name} <span className="muted">v{p.version}</span>
      </h2>
      <p className="panel__lead">{p.description}</p>
      {props.onEdit ? (
        <button type="button" className="button button--small" onClick={props.onEdit}>
          Edit (publishes v{p.versions.length + 1})
        </button>
      ) : null}
      <dl className="product-detail__facts">
        <dt>Rows</dt>
        <dd>{formatCount(p.rowCount)}</dd>
        <dt>Time coverage</dt>
        <dd>
          {p.coverage.from
            ? `${formatDateTime(p.coverage.from)} – ${formatDateTime(p.coverage.to)}`
            : 'no data yet'}
        </dd>
        <dt>Codes</dt>
        <dd>{p.definition.codes === '*' ? 'every catalog code' : p.definition.codes.join(', ')}</dd>
        <dt>Who may export</dt>
        <dd>
          {p.definition.access.researchers === 'all'
            ? 'every researcher'
            : p.definition.access.researchers.join(', ')}{' '}
          through {p.definition.access.profiles.join(', ')}
        </dd>
      </dl>
      <h3 className="product-detail__h">Quality</h3>
      <ul className="product-detail__checks">
        {p.quality.checks.map((c) => (
          <li key={c.check}>
            <span className={c.passed ? 'badge badge--ok' : 'badge badge--danger'}>
              {c.passed ? 'passes' : 'fails'}
            </span>{' '}
            {c.check === 'missing' ? 'values missing' : 'values out of physiological range'}: {pct(c.share)}{' '}
            (at most {pct(c.maxShare)})
          </li>
        ))}
      </ul>
      <h3 className="product-detail__h">Lineage</h3>
      {p.lineage.length === 0 ? <p className="muted">No source has fed observations yet.</p> : null}
      <ul>
        {p.lineage.map((l) => (
          <li key={l.source}>
            {l.source}: {formatCount(l.rows)} observations
          </li>
        ))}
      </ul>
      <h3 className="product-detail__h">Schema (as safe-harbor releases it)</h3>
      <table className="dense-table">
        <thead>
          <tr>
            <th scope="col">Column</th>
            <th scope="col">Type</th>
            <th scope="col">Meaning</th>
          </tr>
        </thead>
        <tbody>
          {p.columns.map((c) => (
            <tr key={c.name}>
              <td className="cell-mono">{c.name}</td>
              <td>{c.type}</td>
              <td>{c.description}</td>
            </tr>
          ))}
        </tbody>
      </table>
      <h3 className="product-detail__h">Versions</h3>
      <ul>
        {p.versions.map((v) => (
          <li key={v.version}>
            v{v.version} by {v.createdBy}, {formatDateTime(v.createdAt)}
          </li>
        ))}
      </ul>
    </article>
  );
}
