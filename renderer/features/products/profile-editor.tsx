import {
  ALLOWED_METHODS,
  PRODUCT_FIELDS,
  QUASI_IDENTIFIERS,
  TIME_GRAINS,
  type DeidProfile,
  type FieldMethodName,
  type ProductField,
} from '../../../shared/api/products';
import { useClient } from '../../app/context';
import { Field } from '../../components/field';
import {
  METHOD_LABELS,
  checkForm,
  errorsOfAnswer,
  formOf,
  type FieldRow,
  type ProfileForm,
} from './profile-form';
import { PublishForm, toggled, usePublishForm } from './publish-form';

/**
 * The de-identification profile editor (IT): one method per product field with its parameters,
 * and the k-anonymity gate. Checked with the contract's schema as IT types, and by the node on
 * save; each refusal shows next to the field it is about. Saving publishes a new version.
 */
export function ProfileEditor(props: {
  initial: DeidProfile;
  /** Editing an existing profile (its name is fixed), or a new one (from a template or a copy). */
  mode: 'new' | 'edit';
  onClose: () => void;
  onSaved: (name: string, version: number) => void;
}) {
  const client = useClient();
  const { form, errors, saving, update, save } = usePublishForm({
    initial: () => formOf(props.initial),
    check: (f: ProfileForm) => {
      const r = checkForm(f);
      return 'errors' in r ? r : { value: r.profile };
    },
    publish: async (definition) => {
      const r = await client.call('profiles.save', { definition });
      if (!r.ok) return errorsOfAnswer(r.error);
      props.onSaved(r.value.name, r.value.version);
      return undefined;
    },
  });
  const setRow = (field: ProductField, patch: Partial<FieldRow>) =>
    update({ ...form, fields: { ...form.fields, [field]: { ...form.fields[field], ...patch } } });

  return (
    <PublishForm
      className="profile-editor"
      titleId="profile-editor-title"
      title={props.mode === 'edit' ? `Edit profile ${props.initial.name}` : 'New de-identification profile'}
      what="profile"
      errors={errors}
      saving={saving}
      onSave={save}
      onClose={props.onClose}
    >
      <div className="profile-editor__head">
        <Field label="Name" error={errors.name} hint="lowercase letters, digits and dashes">
          {(c) => (
            <input
              {...c}
              className="field__input"
              value={form.name}
              readOnly={props.mode === 'edit'}
              onChange={(e) => update({ ...form, name: e.target.value })}
            />
          )}
        </Field>
        <Field label="Description" error={errors.description} className="profile-editor__description">
          {(c) => (
            <textarea
              {...c}
              className="field__input"
              rows={2}
              value={form.description}
              onChange={(e) => update({ ...form, description: e.target.value })}
            />
          )}
        </Field>
      </div>

      <table className="dense-table profile-editor__fields">
        <caption className="profile-editor__caption">
          Field methods (a suppressed field has no column)
        </caption>
        <thead>
          <tr>
            <th scope="col">Field</th>
            <th scope="col">Method</th>
            <th scope="col">Parameters</th>
          </tr>
        </thead>
        <tbody>
          {PRODUCT_FIELDS.map((field) => (
            <FieldMethodRow
              key={field}
              field={field}
              row={form.fields[field]}
              error={errors[`fields.${field}`]}
              onChange={(patch) => setRow(field, patch)}
            />
          ))}
        </tbody>
      </table>

      <fieldset className="profile-editor__gate">
        <legend>k-anonymity gate</legend>
        <Field label="k (smallest class released)" error={errors.k}>
          {(c) => (
            <input
              {...c}
              className="field__input profile-editor__number"
              inputMode="numeric"
              value={form.k}
              onChange={(e) => update({ ...form, k: e.target.value })}
            />
          )}
        </Field>
        <div className="field" role="group" aria-labelledby="profile-qis-label">
          <span id="profile-qis-label" className="field__label">
            Quasi-identifiers counted
          </span>
          <div className="profile-editor__checks">
            {QUASI_IDENTIFIERS.map((q) => (
              <label key={q} className="field--check">
                <input
                  type="checkbox"
                  checked={form.qis.includes(q)}
                  aria-invalid={errors.qis ? true : undefined}
                  onChange={(e) => update({ ...form, qis: toggled(form.qis, q, e.target.checked) })}
                />{' '}
                {q}
              </label>
            ))}
          </div>
          {errors.qis ? <span className="field__error">{errors.qis}</span> : null}
        </div>
        <Field label="Patients in a smaller class" error={errors.onSmallClass}>
          {(c) => (
            <select
              {...c}
              className="field__input"
              value={form.onSmallClass}
              onChange={(e) =>
                update({ ...form, onSmallClass: e.target.value as ProfileForm['onSmallClass'] })
              }
            >
              <option value="generalize">generalize step by step, then suppress</option>
              <option value="suppress">suppress</option>
            </select>
          )}
        </Field>
      </fieldset>
    </PublishForm>
  );
}

function FieldMethodRow(props: {
  field: ProductField;
  row: FieldRow;
  error: string | undefined;
  onChange: (patch: Partial<FieldRow>) => void;
}) {
  const { field, row, error, onChange } = props;
  const errorId = `profile-field-${field}-error`;
  const invalid = error ? { 'aria-invalid': true as const, 'aria-describedby': errorId } : {};
  return (
    <tr className={error ? 'profile-editor__row--invalid' : undefined}>
      <th scope="row" className="cell-mono">
        {field}
      </th>
      <td>
        <select
          className="field__input"
          aria-label={`Method for ${field}`}
          value={row.method}
          {...invalid}
          onChange={(e) => onChange({ method: e.target.value as FieldMethodName })}
        >
          {ALLOWED_METHODS[field].map((m) => (
            <option key={m} value={m}>
              {METHOD_LABELS[m]}
            </option>
          ))}
        </select>
      </td>
      <td>
        <div className="profile-editor__params">
          <Params field={field} row={row} onChange={onChange} invalid={invalid} />
        </div>
        {error ? (
          <span id={errorId} className="field__error">
            {error}
          </span>
        ) : null}
      </td>
    </tr>
  );
}

function Params(props: {
  field: ProductField;
  row: FieldRow;
  onChange: (patch: Partial<FieldRow>) => void;
  invalid: object;
}) {
  const { field, row, onChange, invalid } = props;
  const number = (label: string, key: 'maxDays' | 'bandYears' | 'top' | 'amount') => (
    <label className="profile-editor__param">
      {label}{' '}
      <input
        className="field__input profile-editor__number"
        inputMode="decimal"
        value={row[key]}
        {...invalid}
        onChange={(e) => onChange({ [key]: e.target.value })}
      />
    </label>
  );
  if (row.method === 'dateshift') return number('± days at most', 'maxDays');
  if (row.method === 'generalize' && field === 'age_band')
    return (
      <>
        {number('band (years)', 'bandYears')}
        {number('one band from age', 'top')}
      </>
    );
  if (row.method === 'generalize' && field === 'time')
    return (
      <label className="profile-editor__param">
        truncate to{' '}
        <select
          className="field__input"
          value={row.grain}
          {...invalid}
          onChange={(e) => onChange({ grain: e.target.value })}
        >
          {TIME_GRAINS.map((g) => (
            <option key={g}>{g}</option>
          ))}
        </select>
      </label>
    );
  if (row.method === 'generalize' && field === 'zip3')
    return <span className="muted">first 3 digits; 000 for sparsely populated areas</span>;
  if (row.method === 'perturb')
    return (
      <>
        <label className="profile-editor__param">
          noise{' '}
          <select
            className="field__input"
            value={row.noise}
            onChange={(e) => onChange({ noise: e.target.value as FieldRow['noise'] })}
          >
            <option value="abs">± absolute (value's unit)</option>
            <option value="rel">± share of the value</option>
          </select>
        </label>
        {number(row.noise === 'rel' ? 'at most (0–0.5)' : 'at most', 'amount')}
      </>
    );
  return <span className="muted">—</span>;
}
