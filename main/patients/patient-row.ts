/**
 * A row of the patients table as SQLite returns it (snake_case, nulls for what no message said).
 * Readers that select fewer columns take a Pick of it, so a renamed column breaks every reader.
 */
export interface PatientRow {
  id: number;
  family_name: string | null;
  given_name: string | null;
  birth_date: string | null;
  sex: string | null;
  unit: string | null;
  room: string | null;
  bed: string | null;
  /** 1 while a message disagreed with the stored demographics; see patient_conflicts. */
  demographics_conflict: number;
}

/** The columns that say who and where a patient is, without the conflict flag. */
export type PatientDemographicsRow = Omit<PatientRow, 'demographics_conflict'>;
