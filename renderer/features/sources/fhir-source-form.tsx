import { useState, type FormEvent } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { Result } from '../../../shared/api/envelope';
import {
  FHIR_RESOURCE_TYPES,
  type FhirAuthInput,
  type FhirResourceType,
  type FhirSourceAddInput,
} from '../../../shared/api/fhir';
import { ActionError } from '../../components/action-error';
import { Field } from '../../components/field';
import '../../components/form.css';

type AuthKind = FhirAuthInput['kind'];

/** The node's answer per field (zod issue paths such as `auth.privateKey`). */
const fieldError = (error: ApiErrorBody | undefined, path: string) =>
  error?.issues?.find((i) => i.path === path)?.message;

/**
 * Sources → FHIR servers → Add: base URL, auth (none, basic, bearer, SMART Backend Services),
 * which resources, schedule and page size. Secrets are sent once and never shown back.
 */
export function FhirSourceForm(props: {
  onAdd: (input: FhirSourceAddInput) => Promise<Result<{ id: number }>>;
  onDone: () => void;
}) {
  const [name, setName] = useState('');
  const [baseUrl, setBaseUrl] = useState('');
  const [kind, setKind] = useState<AuthKind>('none');
  const [username, setUsername] = useState('');
  const [secret, setSecret] = useState('');
  const [clientId, setClientId] = useState('');
  const [tokenUrl, setTokenUrl] = useState('');
  const [algorithm, setAlgorithm] = useState<'RS384' | 'ES384'>('RS384');
  const [keyId, setKeyId] = useState('');
  const [resources, setResources] = useState<FhirResourceType[]>([...FHIR_RESOURCE_TYPES]);
  const [interval, setIntervalText] = useState('900');
  const [pageSize, setPageSize] = useState('100');
  const [error, setError] = useState<ApiErrorBody>();
  const [busy, setBusy] = useState(false);

  const auth = (): FhirAuthInput => {
    switch (kind) {
      case 'none':
        return { kind };
      case 'basic':
        return { kind, username, password: secret };
      case 'bearer':
        return { kind, token: secret };
      case 'smart':
        return {
          kind,
          clientId,
          algorithm,
          privateKey: secret,
          scope: 'system/*.read',
          ...(tokenUrl ? { tokenUrl } : {}),
          ...(keyId ? { keyId } : {}),
        };
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    const result = await props.onAdd({
      name,
      baseUrl,
      auth: auth(),
      resources,
      intervalSeconds: interval === '' ? null : Number(interval),
      pageSize: Number(pageSize),
    });
    setBusy(false);
    if (result.ok) {
      setSecret('');
      props.onDone();
    } else setError(result.error);
  };

  const toggle = (type: FhirResourceType) =>
    setResources((r) => (r.includes(type) ? r.filter((t) => t !== type) : [...r, type]));

  return (
    <form className="fhir-form" onSubmit={(e) => void submit(e)} aria-labelledby="fhir-form-title">
      <h3 id="fhir-form-title" className="fhir__subtitle">
        Add a FHIR R4 server
      </h3>
      {error ? <ActionError error={error} title="The source was not added." /> : null}
      <div className="fhir-form__grid">
        <Field label="Name" error={fieldError(error, 'name')}>
          {(c) => (
            <input
              {...c}
              className="field__input"
              value={name}
              onChange={(e) => setName(e.target.value)}
              required
            />
          )}
        </Field>
        <Field
          label="Base URL"
          hint="e.g. https://ehr.example.org/fhir/R4"
          error={fieldError(error, 'baseUrl')}
        >
          {(c) => (
            <input
              {...c}
              className="field__input"
              type="url"
              value={baseUrl}
              onChange={(e) => setBaseUrl(e.target.value)}
              required
            />
          )}
        </Field>
        <Field label="Authentication">
          {(c) => (
            <select
              {...c}
              className="field__input"
              value={kind}
              onChange={(e) => setKind(e.target.value as AuthKind)}
            >
              <option value="none">None</option>
              <option value="basic">HTTP basic</option>
              <option value="bearer">Static bearer token</option>
              <option value="smart">SMART Backend Services</option>
            </select>
          )}
        </Field>
        {kind === 'basic' ? (
          <Field label="User name" error={fieldError(error, 'auth.username')}>
            {(c) => (
              <input
                {...c}
                className="field__input"
                value={username}
                onChange={(e) => setUsername(e.target.value)}
              />
            )}
          </Field>
        ) : null}
        {kind === 'smart' ? (
          <>
            <Field label="Client id" error={fieldError(error, 'auth.clientId')}>
              {(c) => (
                <input
                  {...c}
                  className="field__input"
                  value={clientId}
                  onChange={(e) => setClientId(e.target.value)}
                />
              )}
            </Field>
            <Field label="Token URL" hint="empty: read from .well-known/smart-configuration">
              {(c) => (
                <input
                  {...c}
                  className="field__input"
                  type="url"
                  value={tokenUrl}
                  onChange={(e) => setTokenUrl(e.target.value)}
                />
              )}
            </Field>
            <Field label="Algorithm">
              {(c) => (
                <select
                  {...c}
                  className="field__input"
                  value={algorithm}
                  onChange={(e) => setAlgorithm(e.target.value as 'RS384' | 'ES384')}
                >
                  <option value="RS384">RS384 (RSA)</option>
                  <option value="ES384">ES384 (EC P-384)</option>
                </select>
              )}
            </Field>
            <Field label="Key id (kid)">
              {(c) => (
                <input
                  {...c}
                  className="field__input"
                  value={keyId}
                  onChange={(e) => setKeyId(e.target.value)}
                />
              )}
            </Field>
          </>
        ) : null}
        {kind !== 'none' ? (
          <Field
            label={kind === 'basic' ? 'Password' : kind === 'bearer' ? 'Token' : 'Private key (PKCS#8 PEM)'}
            hint="stored encrypted; never shown again"
            className={kind === 'smart' ? 'fhir-form__wide' : undefined}
            error={fieldError(
              error,
              kind === 'basic' ? 'auth.password' : kind === 'bearer' ? 'auth.token' : 'auth.privateKey',
            )}
          >
            {(c) =>
              kind === 'smart' ? (
                <textarea
                  {...c}
                  className="field__input"
                  rows={4}
                  value={secret}
                  onChange={(e) => setSecret(e.target.value)}
                  spellCheck={false}
                />
              ) : (
                <input
                  {...c}
                  className="field__input"
                  type="password"
                  autoComplete="off"
                  value={secret}
                  onChange={(e) => setSecret(e.target.value)}
                />
              )
            }
          </Field>
        ) : null}
        <Field
          label="Sync every (seconds)"
          hint="empty: only when asked"
          error={fieldError(error, 'intervalSeconds')}
        >
          {(c) => (
            <input
              {...c}
              className="field__input"
              inputMode="numeric"
              value={interval}
              onChange={(e) => setIntervalText(e.target.value)}
            />
          )}
        </Field>
        <Field label="Page size (_count)" error={fieldError(error, 'pageSize')}>
          {(c) => (
            <input
              {...c}
              className="field__input"
              inputMode="numeric"
              value={pageSize}
              onChange={(e) => setPageSize(e.target.value)}
            />
          )}
        </Field>
      </div>
      <fieldset className="fhir-form__resources">
        <legend className="field__label">Resources</legend>
        {FHIR_RESOURCE_TYPES.map((type) => (
          <label key={type} className="field--check">
            <input type="checkbox" checked={resources.includes(type)} onChange={() => toggle(type)} /> {type}
          </label>
        ))}
      </fieldset>
      <div className="fhir-form__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Adding…' : 'Add source'}
        </button>
        <button type="button" className="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
    </form>
  );
}
