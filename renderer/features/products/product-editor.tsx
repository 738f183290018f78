import { useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { ProductDefinition } from '../../../shared/api/products';
import { useClient } from '../../app/context';

const TEMPLATE = {
  name: 'my-product',
  owner: 'Facility bedside data domain',
  description: 'What this product holds and what it is for.',
  codes: ['hr', 'spo2'],
  grain: '5min',
  fields: ['patient', 'age_band', 'sex', 'unit_type', 'time', 'code', 'value', 'unit'],
  quality: [{ check: 'out_of_range', maxShare: 0.01 }],
  access: { researchers: 'all', profiles: ['safe-harbor'] },
};

/**
 * The product definition editor (IT): the definition as JSON, validated by the node against the
 * same schema as the API; a refusal lists each field with its reason. Saving publishes a new
 * version; published versions never change.
 */
export function ProductEditor(props: {
  initial: ProductDefinition | undefined;
  onClose: () => void;
  onSaved: (name: string) => void;
}) {
  const client = useClient();
  const [text, setText] = useState(JSON.stringify(props.initial ?? TEMPLATE, null, 2));
  const [error, setError] = useState<ApiErrorBody | { code: 'bad_json'; message: string } | undefined>();

  const save = async () => {
    let definition: unknown;
    try {
      definition = JSON.parse(text);
    } catch (e) {
      return setError({ code: 'bad_json', message: `not valid JSON: ${(e as Error).message}` });
    }
    const r = await client.call('products.save', { definition: definition as ProductDefinition });
    if (r.ok) props.onSaved(r.value.name);
    else setError(r.error);
  };

  return (
    <div className="panel product-editor" aria-labelledby="product-editor-title">
      <h2 id="product-editor-title" className="panel__title">
        {props.initial ? `Edit ${props.initial.name}` : 'New data product'}
      </h2>
      <label className="field">
        <span className="field__label">Definition (JSON)</span>
        <textarea
          className="field__input product-editor__text"
          rows={18}
          spellCheck={false}
          value={text}
          aria-invalid={error ? true : undefined}
          onChange={(e) => setText(e.target.value)}
        />
        <span className="field__hint">
          Fields: patient, age_band, sex, zip3, unit_type, time, code, value, unit, device_type (raw grain
          only). Grains: raw, 1min, 5min, 1h.
        </span>
      </label>
      {error ? (
        <div className="alert alert--error" role="alert">
          <p className="alert__title">The definition was not saved.</p>
          <p className="alert__detail">{error.message}</p>
          {'issues' in error && error.issues ? (
            <ul className="alert__issues">
              {error.issues.map((i) => (
                <li key={`${i.path}:${i.message}`}>
                  <code>{i.path}</code>: {i.message}
                </li>
              ))}
            </ul>
          ) : null}
        </div>
      ) : null}
      <div className="product-editor__actions">
        <button type="button" className="button button--primary" onClick={() => void save()}>
          Publish version
        </button>
        <button type="button" className="button" onClick={props.onClose}>
          Close
        </button>
      </div>
    </div>
  );
}
