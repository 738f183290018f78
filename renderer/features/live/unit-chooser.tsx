import { useId, useState, type FormEvent } from 'react';
import type { MethodOutput } from '../../../shared/api/contract';

export interface UnitChoice {
  readonly unit: string;
  readonly breakGlassReason?: string;
}

/**
 * Picks the unit to watch: assigned units first; another unit only with a break-glass reason
 * (recorded for compliance review by the node).
 */
/** "1 bed", "4 beds". */
const count = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;

export function UnitChooser(props: {
  units: MethodOutput<'units.list'>;
  choice: UnitChoice | undefined;
  onChoose: (choice: UnitChoice) => void;
}) {
  const id = useId();
  const [pending, setPending] = useState<string | undefined>();
  const [reason, setReason] = useState('');
  const assigned = props.units.units.filter((u) => u.assigned);
  const others = props.units.units.filter((u) => !u.assigned);

  const pick = (unit: string) => {
    if (props.units.assigned.includes(unit)) {
      setPending(undefined);
      props.onChoose({ unit });
    } else {
      setPending(unit);
      setReason('');
    }
  };
  const submit = (e: FormEvent) => {
    e.preventDefault();
    if (pending && reason.trim().length >= 10) {
      props.onChoose({ unit: pending, breakGlassReason: reason.trim() });
      setPending(undefined);
    }
  };

  return (
    <div className="unit-chooser">
      <label htmlFor={`${id}-unit`} className="unit-chooser__label">
        Unit
      </label>
      <select
        id={`${id}-unit`}
        className="unit-chooser__select"
        value={pending ?? props.choice?.unit ?? ''}
        onChange={(e) => pick(e.target.value)}
      >
        {props.choice || pending ? null : <option value="">Choose a unit…</option>}
        {assigned.length > 0 ? (
          <optgroup label="Your units">
            {assigned.map((u) => (
              <option key={u.unit} value={u.unit}>
                {`${u.unit} (${count(u.beds, 'bed')}${u.activeAlarms ? `, ${count(u.activeAlarms, 'alarm')}` : ''})`}
              </option>
            ))}
          </optgroup>
        ) : null}
        {others.length > 0 ? (
          <optgroup label="Other units (break-glass)">
            {others.map((u) => (
              <option key={u.unit} value={u.unit}>
                {`${u.unit} (${count(u.beds, 'bed')})`}
              </option>
            ))}
          </optgroup>
        ) : null}
      </select>
      {pending ? (
        <form className="breakglass" onSubmit={submit}>
          <label htmlFor={`${id}-reason`}>
            {pending} is not one of your units. Why do you need to see it? (recorded for compliance review)
          </label>
          <input
            id={`${id}-reason`}
            value={reason}
            minLength={10}
            maxLength={500}
            autoFocus
            onChange={(e) => setReason(e.target.value)}
          />
          <button type="submit" disabled={reason.trim().length < 10}>
            Break the glass
          </button>
          <button type="button" onClick={() => setPending(undefined)}>
            Cancel
          </button>
        </form>
      ) : null}
    </div>
  );
}
