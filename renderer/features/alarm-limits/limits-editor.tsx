import { useState, type FormEvent } from 'react';
import type { Result } from '../../../shared/api/envelope';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { EffectiveLimit } from '../../../shared/api/vitals';
import type { AlarmLimits } from '../../../shared/catalog/vital-signs';
import { ActionError } from '../../components/action-error';
import { Field } from '../../components/field';
import { formatDateTime } from '../../format/time';
import { unitLabel } from '../live/vitals-format';
import {
  checkLimits,
  draftOf,
  LIMIT_FIELDS,
  LIMIT_LABELS,
  type LimitDraft,
  type LimitField,
} from './limits-check';
import '../../components/dense-table.css';
import '../../components/form.css';
import './alarm-limits.css';

const SOURCE_LABEL: Record<EffectiveLimit['source'], string> = {
  catalog: 'Catalog default',
  unit: 'Unit default',
  patient: 'This patient',
};

/**
 * Alarm limits per parameter, one row each, edited one at a time. `level` is what this screen
 * sets (a patient's limits, or a unit's defaults); a row set at that level can go back to the
 * level below (`clearLabel`). The node validates and audits every change.
 */
export function LimitsEditor(props: {
  title: string;
  limits: readonly EffectiveLimit[];
  level: 'patient' | 'unit';
  clearLabel: string;
  save: (code: string, limits: AlarmLimits | null) => Promise<Result<EffectiveLimit>>;
  onSaved: (limit: EffectiveLimit) => void;
}) {
  const [editing, setEditing] = useState<string | undefined>();
  const [message, setMessage] = useState('');
  const current = props.limits.find((l) => l.code === editing);
  const headingId = `limits-${props.level}-title`;

  return (
    <section className="limits" aria-labelledby={headingId}>
      <h3 id={headingId} className="limits__title">
        {props.title}
      </h3>
      <p className="limits__message" role="status">
        {message}
      </p>
      <table className="dense-table limits__table">
        <thead>
          <tr>
            <th scope="col">Parameter</th>
            {LIMIT_FIELDS.map((f) => (
              <th key={f} scope="col" className="cell-num">
                {LIMIT_LABELS[f]}
              </th>
            ))}
            <th scope="col">From</th>
            <th scope="col">
              <span className="visually-hidden">Actions</span>
            </th>
          </tr>
        </thead>
        <tbody>
          {props.limits.map((l) => (
            <tr key={l.code} aria-selected={l.code === editing ? true : undefined}>
              <th scope="row">
                {l.display} <span className="muted">{unitLabel(l.code, l.ucum)}</span>
              </th>
              {LIMIT_FIELDS.map((f) => (
                <td key={f} className="cell-num">
                  {l[f]}
                </td>
              ))}
              <td>
                {SOURCE_LABEL[l.source]}
                {l.updatedBy ? (
                  <span className="muted">
                    {' '}
                    · {l.updatedBy}
                    {l.updatedAt ? (
                      <>
                        , <span className="limits__when">{formatDateTime(l.updatedAt)}</span>
                      </>
                    ) : null}
                  </span>
                ) : null}
              </td>
              <td>
                <button
                  type="button"
                  className="button"
                  aria-label={`Edit ${l.display} limits`}
                  onClick={() => {
                    setEditing(l.code);
                    setMessage('');
                  }}
                >
                  Edit
                </button>
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      {current ? (
        <LimitForm
          key={current.code}
          limit={current}
          level={props.level}
          clearLabel={props.clearLabel}
          save={props.save}
          onCancel={() => setEditing(undefined)}
          onSaved={(saved, cleared) => {
            setEditing(undefined);
            setMessage(
              cleared
                ? `${saved.display}: back to the ${SOURCE_LABEL[saved.source].toLowerCase()}.`
                : `${saved.display} limits saved.`,
            );
            props.onSaved(saved);
          }}
        />
      ) : null}
    </section>
  );
}

function LimitForm(props: {
  limit: EffectiveLimit;
  level: 'patient' | 'unit';
  clearLabel: string;
  save: (code: string, limits: AlarmLimits | null) => Promise<Result<EffectiveLimit>>;
  onSaved: (limit: EffectiveLimit, cleared: boolean) => void;
  onCancel: () => void;
}) {
  const { limit } = props;
  const [draft, setDraft] = useState<LimitDraft>(() => draftOf(limit));
  const [errors, setErrors] = useState<Partial<Record<LimitField, string>>>({});
  const [refused, setRefused] = useState<ApiErrorBody | undefined>();
  const [busy, setBusy] = useState(false);

  const send = async (limits: AlarmLimits | null) => {
    setBusy(true);
    const result = await props.save(limit.code, limits);
    setBusy(false);
    if (result.ok) props.onSaved(result.value, limits === null);
    else setRefused(result.error);
  };
  const submit = (event: FormEvent) => {
    event.preventDefault();
    setRefused(undefined);
    const checked = checkLimits(draft);
    setErrors(checked.errors);
    if (checked.limits) void send(checked.limits);
  };
  const titleId = `limit-form-${limit.code}`;

  return (
    <form className="limits__form" aria-labelledby={titleId} onSubmit={submit} noValidate>
      <h4 id={titleId} className="limits__form-title">
        {limit.display} alarm limits ({unitLabel(limit.code, limit.ucum)})
      </h4>
      <div className="limits__fields">
        {LIMIT_FIELDS.map((f) => (
          <Field key={f} label={`${LIMIT_LABELS[f]}`} error={errors[f]}>
            {(control) => (
              <input
                className="field__input"
                inputMode="decimal"
                autoComplete="off"
                value={draft[f]}
                onChange={(e) => setDraft((d) => ({ ...d, [f]: e.target.value }))}
                {...control}
              />
            )}
          </Field>
        ))}
      </div>
      {refused ? <ActionError error={refused} title="The limits were not changed." /> : null}
      <div className="limits__actions">
        <button type="submit" className="button button--primary" disabled={busy}>
          Save {limit.display} limits
        </button>
        {limit.source === props.level ? (
          <button type="button" className="button" disabled={busy} onClick={() => void send(null)}>
            {props.clearLabel}
          </button>
        ) : null}
        <button type="button" className="button" onClick={props.onCancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
