import { useCallback, useEffect, useState, type FormEvent } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { EffectiveLimit } from '../../../shared/api/vitals';
import { ActionError } from '../../components/action-error';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { Field } from '../../components/field';
import { fieldErrors } from '../../components/field-errors';
import { useClient } from '../../app/context';
import type { Loadable } from '../../app/store';
import { LimitsEditor } from '../alarm-limits/limits-editor';
import '../../components/form.css';

/** Same bounds as the node's `alarms.setUnitSettings`. */
const LOST_MIN = 5;
const LOST_MAX = 3600;

/**
 * Settings → Alarm defaults: facility IT sets each unit's default alarm limits (a patient's own
 * limits, set by a clinician, still win) and how long a parameter may be silent before "signal
 * lost". Unit names carry no patient data; every change is audited by the node.
 */
export function AlarmDefaultsPanel() {
  const client = useClient();
  const [units, setUnits] = useState<string[]>([]);
  const [typed, setTyped] = useState('');
  const [unit, setUnit] = useState<string | undefined>();

  useEffect(() => {
    let current = true;
    void client.call('units.list', {}).then((r) => {
      if (!current || !r.ok) return;
      const names = r.value.units.map((u) => u.unit);
      setUnits(names);
      if (names[0]) {
        setTyped((t) => t || names[0]!);
        setUnit((u) => u ?? names[0]);
      }
    });
    return () => {
      current = false;
    };
  }, [client]);

  const open = (event: FormEvent) => {
    event.preventDefault();
    if (typed.trim()) setUnit(typed.trim());
  };

  return (
    <section className="alarm-defaults" aria-labelledby="alarm-defaults-title">
      <h2 id="alarm-defaults-title">Alarm defaults</h2>
      <p className="muted">
        A unit&apos;s defaults apply to every bed on it unless a clinician sets limits for one patient.
      </p>
      <form className="alarm-defaults__unit" onSubmit={open} aria-label="Choose a unit">
        <Field label="Unit" hint="A unit with patients, or the name of one that has none yet.">
          {(control) => (
            <input
              className="field__input"
              list="alarm-defaults-units"
              value={typed}
              onChange={(e) => setTyped(e.target.value)}
              {...control}
            />
          )}
        </Field>
        <datalist id="alarm-defaults-units">
          {units.map((u) => (
            <option key={u} value={u} />
          ))}
        </datalist>
        <button type="submit" className="button">
          Show
        </button>
      </form>
      {unit ? <UnitDefaults key={unit} unit={unit} /> : null}
    </section>
  );
}

function UnitDefaults(props: { unit: string }) {
  const client = useClient();
  const { unit } = props;
  const [state, setState] = useState<Loadable<{ limits: EffectiveLimit[]; signalLostSeconds: number }>>({
    state: 'loading',
  });
  const load = useCallback(async () => {
    const r = await client.call('alarms.unitLimits', { unit });
    setState(r.ok ? { state: 'ready', value: r.value } : { state: 'error', error: r.error });
  }, [client, unit]);
  useEffect(() => {
    void load();
  }, [load]);

  if (state.state === 'loading') return <p className="muted">Loading {unit}…</p>;
  if (state.state === 'error') return <ApiErrorAlert error={state.error} what={`the defaults of ${unit}`} />;
  return (
    <>
      <SignalLostForm unit={unit} seconds={state.value.signalLostSeconds} />
      <LimitsEditor
        title={`Default alarm limits on ${unit}`}
        limits={state.value.limits}
        level="unit"
        clearLabel="Use the catalog default"
        save={(code, limits) => client.call('alarms.setUnitLimit', { unit, code, limits })}
        onSaved={(saved) =>
          setState((s) =>
            s.state === 'ready'
              ? {
                  state: 'ready',
                  value: {
                    ...s.value,
                    limits: s.value.limits.map((l) => (l.code === saved.code ? saved : l)),
                  },
                }
              : s,
          )
        }
      />
    </>
  );
}

function SignalLostForm(props: { unit: string; seconds: number }) {
  const client = useClient();
  const [text, setText] = useState(String(props.seconds));
  const [saved, setSaved] = useState(props.seconds);
  const [error, setError] = useState<string | undefined>();
  const [refused, setRefused] = useState<ApiErrorBody | undefined>();
  const [message, setMessage] = useState('');

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setMessage('');
    setRefused(undefined);
    const seconds = Number(text.trim());
    if (!/^\d+$/.test(text.trim()) || seconds < LOST_MIN || seconds > LOST_MAX) {
      return setError(`A whole number of seconds from ${LOST_MIN} to ${LOST_MAX}.`);
    }
    setError(undefined);
    const r = await client.call('alarms.setUnitSettings', { unit: props.unit, signalLostSeconds: seconds });
    if (!r.ok) {
      const { byField, general } = fieldErrors(r.error, ['signalLostSeconds']);
      setError(byField.signalLostSeconds);
      return setRefused(general);
    }
    setSaved(r.value.signalLostSeconds);
    setMessage(`Signal lost on ${props.unit} after ${r.value.signalLostSeconds} s.`);
  };

  return (
    <form
      className="alarm-defaults__lost"
      aria-label={`Signal lost on ${props.unit}`}
      onSubmit={(e) => void submit(e)}
      noValidate
    >
      <Field
        label="Signal lost after (seconds)"
        hint={`A parameter sending nothing this long shows "signal lost" (${LOST_MIN}–${LOST_MAX} s; now ${saved} s).`}
        error={error}
      >
        {(control) => (
          <input
            className="field__input"
            inputMode="numeric"
            value={text}
            onChange={(e) => setText(e.target.value)}
            {...control}
          />
        )}
      </Field>
      <button type="submit" className="button button--primary">
        Save signal-lost time
      </button>
      <p role="status" className="alarm-defaults__message">
        {message}
      </p>
      {refused ? <ActionError error={refused} title="The signal-lost time was not changed." /> : null}
    </form>
  );
}
