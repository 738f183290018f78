import type { ReactNode } from 'react';
import { GRAINS, PRODUCT_FIELDS, type ProductDefinition } from '../../../shared/api/products';
import { VITAL_SIGNS } from '../../../shared/catalog/vital-signs';
import { useClient } from '../../app/context';
import { Field } from '../../components/field';
import {
  checkProductForm,
  productFormKey,
  productFormOf,
  NEW_PRODUCT,
  type ProductForm,
} from './product-form';
import { errorsOfAnswer } from './profile-form';
import { PublishForm, toggled, usePublishForm } from './publish-form';

/**
 * The product definition editor (IT): what a product covers (codes, grain), what it exposes
 * (fields, never free text), its quality checks and who may export it through which profiles.
 * Checked with the contract's schema as IT types and by the node on save, each error next to its
 * control. Saving publishes a new version; published versions never change.
 */
export function ProductEditor(props: {
  initial: ProductDefinition | undefined;
  /** Profiles a product may name (profiles.list). */
  profileNames: readonly string[];
  onClose: () => void;
  onSaved: (name: string) => void;
}) {
  const client = useClient();
  const editing = props.initial !== undefined;
  const {
    form,
    errors,
    saving,
    update: replace,
    save,
  } = usePublishForm({
    initial: () => productFormOf(props.initial ?? NEW_PRODUCT),
    check: (f: ProductForm) => {
      const r = checkProductForm(f);
      return 'errors' in r ? r : { value: r.definition };
    },
    publish: async (definition) => {
      const r = await client.call('products.save', { definition });
      if (!r.ok) return errorsOfAnswer(r.error, productFormKey);
      props.onSaved(r.value.name);
      return undefined;
    },
  });
  const update = (patch: Partial<ProductForm>) => replace({ ...form, ...patch });

  const text = (label: string, key: 'name' | 'owner', hint?: string) => (
    <Field label={label} error={errors[key]} hint={hint}>
      {(c) => (
        <input
          {...c}
          className="field__input"
          value={form[key]}
          readOnly={key === 'name' && editing}
          onChange={(e) => update({ [key]: e.target.value })}
        />
      )}
    </Field>
  );
  return (
    <PublishForm
      className="product-editor"
      titleId="product-editor-title"
      title={editing ? `Edit ${form.name}` : 'New data product'}
      what="definition"
      errors={errors}
      saving={saving}
      onSave={save}
      onClose={props.onClose}
    >
      <div className="product-editor__grid">
        {text('Name', 'name', 'lowercase letters, digits and dashes')}
        {text('Owner', 'owner')}
        <Field label="Grain" error={errors.grain}>
          {(c) => (
            <select
              {...c}
              className="field__input"
              value={form.grain}
              onChange={(e) => update({ grain: e.target.value as ProductForm['grain'] })}
            >
              {GRAINS.map((g) => (
                <option key={g} value={g}>
                  {g === 'raw' ? 'raw (every observation)' : `${g} mean, min, max, count`}
                </option>
              ))}
            </select>
          )}
        </Field>
      </div>
      <Field label="Description" error={errors.description}>
        {(c) => (
          <textarea
            {...c}
            className="field__input"
            rows={2}
            value={form.description}
            onChange={(e) => update({ description: e.target.value })}
          />
        )}
      </Field>
      <Checks legend="Vital signs" error={errors.codes}>
        <label className="field--check">
          <input
            type="checkbox"
            checked={form.allCodes}
            onChange={(e) => update({ allCodes: e.target.checked })}
          />{' '}
          every catalog code
        </label>
        {form.allCodes
          ? null
          : VITAL_SIGNS.map((v) => (
              <label key={v.id} className="field--check" title={v.display}>
                <input
                  type="checkbox"
                  checked={form.codes.includes(v.id)}
                  onChange={(e) => update({ codes: toggled(form.codes, v.id, e.target.checked) })}
                />{' '}
                {v.id}
              </label>
            ))}
      </Checks>
      <Checks legend="Fields exposed (time, code and value are required)" error={errors.fields}>
        {PRODUCT_FIELDS.map((f) => (
          <label key={f} className="field--check">
            <input
              type="checkbox"
              checked={form.fields.includes(f)}
              onChange={(e) => update({ fields: toggled(form.fields, f, e.target.checked) })}
            />{' '}
            {f}
          </label>
        ))}
      </Checks>
      <div className="product-editor__grid">
        <Field
          label="Quality: at most % of values out of range"
          error={errors.quality}
          hint="empty: not checked"
        >
          {(c) => (
            <input
              {...c}
              className="field__input profile-editor__number"
              inputMode="decimal"
              value={form.maxOutOfRange}
              onChange={(e) => update({ maxOutOfRange: e.target.value })}
            />
          )}
        </Field>
        <Field label="Quality: at most % of values missing" hint="empty: not checked">
          {(c) => (
            <input
              {...c}
              className="field__input profile-editor__number"
              inputMode="decimal"
              value={form.maxMissing}
              onChange={(e) => update({ maxMissing: e.target.value })}
            />
          )}
        </Field>
      </div>
      <Checks legend="Who may export it" error={errors.researchers}>
        <label className="field--check">
          <input
            type="checkbox"
            checked={form.allResearchers}
            onChange={(e) => update({ allResearchers: e.target.checked })}
          />{' '}
          every researcher
        </label>
        {form.allResearchers ? null : (
          <input
            className="field__input"
            aria-label="Researchers (usernames, comma separated)"
            placeholder="usernames, comma separated"
            value={form.researchers}
            onChange={(e) => update({ researchers: e.target.value })}
          />
        )}
      </Checks>
      <Checks legend="Through the profiles" error={errors.profiles}>
        {[...new Set([...props.profileNames, ...form.profiles])].map((p) => (
          <label key={p} className="field--check">
            <input
              type="checkbox"
              checked={form.profiles.includes(p)}
              onChange={(e) => update({ profiles: toggled(form.profiles, p, e.target.checked) })}
            />{' '}
            {p}
          </label>
        ))}
      </Checks>
    </PublishForm>
  );
}

/** A group of checkboxes with one legend and one error under it. */
function Checks(props: { legend: string; error: string | undefined; children: ReactNode }) {
  return (
    <fieldset className="product-editor__checks" aria-invalid={props.error ? true : undefined}>
      <legend className="field__label">{props.legend}</legend>
      <div className="profile-editor__checks">{props.children}</div>
      {props.error ? <span className="field__error">{props.error}</span> : null}
    </fieldset>
  );
}
