import { useState, type FormEvent } from 'react';
import type { AuditFilter } from '../../../shared/api/audit';
import { Field } from '../../components/field';
import { ACTIONS, localInputToIso, OUTCOMES } from './audit-format';

interface Draft {
  from: string;
  to: string;
  actor: string;
  action: string;
  patientId: string;
  outcome: string;
  breakGlass: boolean;
}

const EMPTY: Draft = {
  from: '',
  to: '',
  actor: '',
  action: '',
  patientId: '',
  outcome: '',
  breakGlass: false,
};

/** Turns the form into a filter, or says which field is wrong. */
function toFilter(d: Draft): { filter: AuditFilter } | { field: keyof Draft; message: string } {
  const filter: { -readonly [K in keyof AuditFilter]: AuditFilter[K] } = {};
  const from = localInputToIso(d.from);
  const to = localInputToIso(d.to);
  if (d.from && !from) return { field: 'from', message: 'not a date and time' };
  if (d.to && !to) return { field: 'to', message: 'not a date and time' };
  if (from && to && from > to) return { field: 'to', message: 'is before "From"' };
  if (from) filter.from = from;
  if (to) filter.to = to;
  if (d.actor.trim()) filter.actor = d.actor.trim();
  if (d.action.trim()) filter.action = d.action.trim();
  if (d.patientId.trim()) {
    const id = Number(d.patientId.trim());
    if (!Number.isInteger(id) || id <= 0)
      return { field: 'patientId', message: 'a patient id is a whole number' };
    filter.patientId = id;
  }
  if (d.outcome) filter.outcome = d.outcome;
  if (d.breakGlass) filter.breakGlass = true;
  return { filter };
}

/** The audit filters. Nothing is searched until the form is submitted (Enter or "Search"). */
export function AuditFilters(props: { onApply: (filter: AuditFilter) => void }) {
  const [draft, setDraft] = useState<Draft>(EMPTY);
  const [invalid, setInvalid] = useState<{ field: keyof Draft; message: string } | undefined>();
  const set = <K extends keyof Draft>(key: K, value: Draft[K]) => setDraft((d) => ({ ...d, [key]: value }));

  const submit = (event: FormEvent) => {
    event.preventDefault();
    const result = toFilter(draft);
    if ('field' in result) {
      setInvalid(result);
      return;
    }
    setInvalid(undefined);
    props.onApply(result.filter);
  };
  const clear = () => {
    setDraft(EMPTY);
    setInvalid(undefined);
    props.onApply({});
  };
  const errorOf = (field: keyof Draft) => (invalid?.field === field ? invalid.message : undefined);

  return (
    <form className="audit-filters" aria-label="Audit filters" onSubmit={submit} noValidate>
      <Field label="From" error={errorOf('from')}>
        {(control) => (
          <input
            className="field__input"
            type="datetime-local"
            step={1}
            value={draft.from}
            onChange={(e) => set('from', e.target.value)}
            {...control}
          />
        )}
      </Field>
      <Field label="To" error={errorOf('to')}>
        {(control) => (
          <input
            className="field__input"
            type="datetime-local"
            step={1}
            value={draft.to}
            onChange={(e) => set('to', e.target.value)}
            {...control}
          />
        )}
      </Field>
      <Field label="Actor">
        {(control) => (
          <input
            className="field__input"
            spellCheck={false}
            placeholder="username"
            value={draft.actor}
            onChange={(e) => set('actor', e.target.value)}
            {...control}
          />
        )}
      </Field>
      <Field label="Action">
        {(control) => (
          <>
            <input
              className="field__input"
              list="audit-actions"
              spellCheck={false}
              placeholder="e.g. auth.login"
              value={draft.action}
              onChange={(e) => set('action', e.target.value)}
              {...control}
            />
            <datalist id="audit-actions">
              {ACTIONS.map((a) => (
                <option key={a} value={a} />
              ))}
            </datalist>
          </>
        )}
      </Field>
      <Field label="Patient id" error={errorOf('patientId')}>
        {(control) => (
          <input
            className="field__input"
            inputMode="numeric"
            value={draft.patientId}
            onChange={(e) => set('patientId', e.target.value)}
            {...control}
          />
        )}
      </Field>
      <Field label="Outcome">
        {(control) => (
          <select
            className="field__input"
            value={draft.outcome}
            onChange={(e) => set('outcome', e.target.value)}
            {...control}
          >
            <option value="">Any</option>
            {OUTCOMES.map((o) => (
              <option key={o} value={o}>
                {o}
              </option>
            ))}
          </select>
        )}
      </Field>
      <label className="field--check audit-filters__check">
        <input
          type="checkbox"
          checked={draft.breakGlass}
          onChange={(e) => set('breakGlass', e.target.checked)}
        />
        Break-glass only
      </label>
      <div className="audit-filters__actions">
        <button type="submit" className="button button--primary">
          Search
        </button>
        <button type="button" className="button" onClick={clear}>
          Clear
        </button>
      </div>
    </form>
  );
}
