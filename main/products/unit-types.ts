import type { UnitType, UnitTypeRow } from '../../shared/api/products';
import { unitTypeOf } from '../deid/cohort';
import type { Db } from '../store/database';

/**
 * The type of each care unit, as IT sets it (unit_types, 0550). Releases read it in the patient
 * pass (cohort.ts); a unit IT has not set falls back to the guess from its label, and this list
 * shows which is which, so IT can confirm or correct each guess.
 */
export class UnitTypeStore {
  constructor(private readonly db: Db) {}

  /** Every unit with patients or a setting, by label. */
  list(): UnitTypeRow[] {
    const rows = this.db
      .prepare(
        `SELECT u.unit, coalesce(p.n, 0) AS patients, t.unit_type, t.set_by, t.set_at
         FROM (SELECT unit FROM patients WHERE unit IS NOT NULL AND trim(unit) <> ''
               UNION SELECT unit FROM unit_types) u
         LEFT JOIN (SELECT unit, count(*) AS n FROM patients GROUP BY unit) p ON p.unit = u.unit
         LEFT JOIN unit_types t ON t.unit = u.unit
         ORDER BY u.unit`,
      )
      .all() as Stored[];
    return rows.map(toRow);
  }

  get(unit: string): UnitTypeRow {
    return this.list().find((r) => r.unit === unit) ?? toRow({ unit, patients: 0 });
  }

  /** Sets (or with null clears) a unit's type; returns the row as releases will now see it. */
  set(unit: string, unitType: UnitType | null, by: string, now = Date.now()): UnitTypeRow {
    if (unitType === null) this.db.prepare('DELETE FROM unit_types WHERE unit = ?').run(unit);
    else
      this.db
        .prepare(
          `INSERT INTO unit_types (unit, unit_type, set_by, set_at) VALUES (?, ?, ?, ?)
           ON CONFLICT (unit) DO UPDATE SET unit_type = excluded.unit_type, set_by = excluded.set_by,
           set_at = excluded.set_at`,
        )
        .run(unit, unitType, by, now);
    return this.get(unit);
  }
}

interface Stored {
  unit: string;
  patients: number;
  unit_type?: string | null;
  set_by?: string | null;
  set_at?: number | null;
}

function toRow(r: Stored): UnitTypeRow {
  const guessed = unitTypeOf(r.unit, null);
  const set = r.unit_type ?? null;
  return {
    unit: r.unit,
    unitType: set ?? guessed,
    source: set ? 'set' : 'guessed',
    guessed,
    patients: r.patients,
    setBy: set ? (r.set_by ?? null) : null,
    setAt: set && r.set_at ? new Date(r.set_at).toISOString() : null,
  };
}
