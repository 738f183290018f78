import { useCallback, useEffect, useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { UNIT_TYPES, type UnitType, type UnitTypeRow } from '../../../shared/api/products';
import { mayCall, METHOD_ACCESS } from '../../../shared/permissions';
import { useAppState, useClient } from '../../app/context';
import { ActionError } from '../../components/action-error';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { formatDateTime } from '../../format/time';

const GUESS = '';

/**
 * Unit types: the unit_type quasi-identifier releases give each unit label. IT sets it from a
 * closed list (the label itself never leaves the node); a unit without a setting uses the guess
 * from its label, marked as such so it can be confirmed.
 */
export function UnitTypesPanel() {
  const client = useClient();
  const role = useAppState((s) => s.session.user?.role);
  const mayEdit = mayCall(METHOD_ACCESS['products.setUnitType'], role);
  const [units, setUnits] = useState<UnitTypeRow[]>([]);
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const [actionError, setActionError] = useState<ApiErrorBody | undefined>();

  const load = useCallback(async () => {
    const r = await client.call('products.unitTypes', {});
    if (r.ok) setUnits(r.value.units);
    else setError(r.error);
  }, [client]);
  useEffect(() => void load(), [load]);

  const set = async (unit: string, value: string) => {
    setActionError(undefined);
    const r = await client.call('products.setUnitType', {
      unit,
      unitType: value === GUESS ? null : (value as UnitType),
    });
    if (!r.ok) return setActionError(r.error);
    setUnits((all) => all.map((u) => (u.unit === unit ? r.value : u)));
  };

  return (
    <div className="panel">
      {error ? <ApiErrorAlert error={error} what="the unit types" /> : null}
      <h2 className="panel__title">Unit types</h2>
      <p className="panel__lead">
        Releases name the type of a patient&apos;s unit, never the unit: it is a quasi-identifier the k gate
        counts. Set each unit&apos;s type; until you do, it is guessed from the label.
      </p>
      {actionError ? <ActionError error={actionError} title="The unit type was not set." /> : null}
      <table className="dense-table">
        <caption className="visually-hidden">Unit types</caption>
        <thead>
          <tr>
            <th scope="col">Unit</th>
            <th scope="col">Patients</th>
            <th scope="col">Type in releases</th>
            <th scope="col">Set by</th>
          </tr>
        </thead>
        <tbody>
          {units.length === 0 ? (
            <tr>
              <td colSpan={4} className="muted">
                No unit has patients yet.
              </td>
            </tr>
          ) : null}
          {units.map((u) => (
            <tr key={u.unit}>
              <th scope="row">{u.unit}</th>
              <td className="cell-num">{u.patients}</td>
              <td>
                {mayEdit ? (
                  <select
                    className="field__input"
                    aria-label={`Type of ${u.unit}`}
                    value={u.source === 'set' ? u.unitType : GUESS}
                    onChange={(e) => void set(u.unit, e.target.value)}
                  >
                    <option value={GUESS}>guessed from the label: {u.guessed}</option>
                    {UNIT_TYPES.map((t) => (
                      <option key={t} value={t}>
                        {t}
                      </option>
                    ))}
                  </select>
                ) : (
                  <>
                    {u.unitType} {u.source === 'guessed' ? <span className="muted">(guessed)</span> : null}
                  </>
                )}
              </td>
              <td>{u.setBy ? `${u.setBy}, ${formatDateTime(u.setAt)}` : '—'}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
