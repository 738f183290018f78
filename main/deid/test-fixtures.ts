import { IngestRepository } from '../ingest/hl7/repository';
import type { Db } from '../store/database';

/** A synthetic patient for de-identification tests: demographics as ingest would store them. */
export interface SeedPatient {
  readonly mrn: string;
  readonly family: string;
  readonly given: string;
  readonly birthDate: string;
  readonly sex: 'M' | 'F';
  readonly zip?: string;
  readonly unit: string;
}

/** Stores a patient through the ingest's own repository, plus the ZIP ingest keeps beside it. */
export function storePatient(db: Db, p: SeedPatient, now = Date.now()): number {
  const repo = new IngestRepository(db);
  const id = repo.resolvePatient(
    {
      identifiers: [{ system: 'TESTHOSP', value: p.mrn, type: 'MR' }],
      family: p.family,
      given: p.given,
      birthDate: p.birthDate,
      sex: p.sex,
      unit: p.unit,
      bed: '1',
    },
    0,
    now,
  );
  if (p.zip) db.prepare('INSERT OR REPLACE INTO patient_zip (patient_id, zip) VALUES (?, ?)').run(id, p.zip);
  return id;
}

/** `count` observations of one code, one every `everyMs`, through the ingest repository. */
export function storeSeries(
  db: Db,
  patientId: number,
  code: string,
  start: number,
  count: number,
  everyMs: number,
  value: (i: number) => number | undefined,
  device?: string,
): void {
  const repo = new IngestRepository(db);
  db.transaction(() => {
    const deviceId = device ? repo.upsertDevice(device, 'MDC_DEV_ANALY_SAT_O2_VMD', start) : null;
    for (let i = 0; i < count; i++) {
      const v = value(i);
      repo.insertObservation(
        {
          vitalId: code,
          code,
          codeSystem: 'vitalmesh',
          sourceCode: code,
          valueType: 'NM',
          valueNum: v,
          valueText: undefined,
          unit: '/min',
          observedAt: start + i * everyMs,
          subId: undefined,
          group: undefined,
          device: undefined,
          abnormalFlags: undefined,
          status: v === undefined ? 'X' : 'F',
        },
        { patientId, deviceId, messageId: 0, receivedAt: start + i * everyMs },
      );
    }
  })();
}

/** A small ward: `n` patients, ages spread, two units, a few ZIPs. */
export function syntheticWard(n: number): SeedPatient[] {
  const zips = ['02139', '02140', '03601', '10001'];
  return Array.from({ length: n }, (_, i) => ({
    mrn: `MRN${1000 + i}`,
    family: `Family${i}`,
    given: `Given${i}`,
    birthDate: `${1930 + ((i * 7) % 70)}-0${1 + (i % 9)}-1${i % 9}`,
    sex: i % 2 === 0 ? 'F' : 'M',
    zip: zips[i % zips.length],
    unit: i % 3 === 0 ? 'ICU' : 'Ward 3',
  }));
}
