import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { BedView } from '../../shared/api/vitals';
import type { PatientDemographicsRow } from '../patients/patient-row';
import type { Db } from '../store/database';

/** Hot queries, named so a test holds them to their index. */
export const LATEST_OBSERVATION_SQL = `SELECT value_num, unit, observed_at, received_at FROM observations
  WHERE patient_id = ? AND code = ? AND value_num IS NOT NULL ORDER BY observed_at DESC LIMIT 1`;

/** "DOE, Jane" — the family name in capitals, as wristbands and central stations show it. */
export function displayNameOf(family: string | null, given: string | null): string | null {
  if (!family && !given) return null;
  if (!family) return given;
  return given ? `${family.toUpperCase()}, ${given}` : family.toUpperCase();
}

const toBed = (r: PatientDemographicsRow): BedView => ({
  patientId: r.id,
  displayName: displayNameOf(r.family_name, r.given_name),
  birthDate: r.birth_date,
  sex: r.sex,
  unit: r.unit,
  room: r.room,
  bed: r.bed,
});

/** Natural order for bed labels: "Bed 2" before "Bed 10". */
const collator = new Intl.Collator('en', { numeric: true, sensitivity: 'base' });
export const compareBeds = (a: BedView, b: BedView): number =>
  collator.compare(`${a.room ?? ''} ${a.bed ?? ''}`, `${b.room ?? ''} ${b.bed ?? ''}`) ||
  a.patientId - b.patientId;

const LOCATION_TTL_MS = 5000;

/**
 * Where patients are and what their bed shows, read from the patients table that ingest keeps
 * (PV1-3 of the latest message). Unit lookups are cached for a few seconds: the live path asks
 * ~1,600 times a second at 200 beds.
 */
export class PatientDirectory {
  private readonly s: Record<'get' | 'inUnit' | 'units' | 'latest', Statement>;
  private readonly cache = new Map<number, { bed: BedView | undefined; at: number }>();

  constructor(
    db: Db,
    private readonly now: () => number = Date.now,
  ) {
    this.s = {
      get: db.prepare(
        'SELECT id, family_name, given_name, birth_date, sex, unit, room, bed FROM patients WHERE id = ?',
      ),
      inUnit: db.prepare(
        'SELECT id, family_name, given_name, birth_date, sex, unit, room, bed FROM patients WHERE unit = ?',
      ),
      units: db.prepare(
        'SELECT unit, count(*) AS beds FROM patients WHERE unit IS NOT NULL GROUP BY unit ORDER BY unit',
      ),
      latest: db.prepare(LATEST_OBSERVATION_SQL),
    };
  }

  bed(patientId: number): BedView | undefined {
    const cached = this.cache.get(patientId);
    const t = this.now();
    if (cached && t - cached.at < LOCATION_TTL_MS) return cached.bed;
    const row = this.s.get.get(patientId) as PatientDemographicsRow | undefined;
    const bed = row && toBed(row);
    this.cache.set(patientId, { bed, at: t });
    return bed;
  }

  unitOf(patientId: number): string | null {
    return this.bed(patientId)?.unit ?? null;
  }

  inUnit(unit: string): BedView[] {
    return (this.s.inUnit.all(unit) as PatientDemographicsRow[]).map(toBed).sort(compareBeds);
  }

  units(): { unit: string; beds: number }[] {
    return this.s.units.all() as { unit: string; beds: number }[];
  }

  /** The latest stored numeric value of one code, to fill a view after the node restarted. */
  latestStored(
    patientId: number,
    code: string,
  ): { value: number; unit: string | null; observedAt: number; receivedAt: number } | undefined {
    const row = this.s.latest.get(patientId, code) as
      { value_num: number; unit: string | null; observed_at: number; received_at: number } | undefined;
    return (
      row && {
        value: row.value_num,
        unit: row.unit,
        observedAt: row.observed_at,
        receivedAt: row.received_at,
      }
    );
  }
}
