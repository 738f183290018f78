/**
 * What the store benches insert with (bench/ingest.ts's ceiling, bench/store.ts,
 * bench/store-layout.ts): beds as patients and devices, and one observation row refilled per
 * insert, as the ingest's own loop reuses its ids.
 */
import type { Database as Db } from 'better-sqlite3-multiple-ciphers';

/** Patients and devices 1..beds, one device per bed. */
export function seedBeds(db: Db, beds: number, now: number): void {
  const patient = db.prepare('INSERT INTO patients (id, created_at, updated_at) VALUES (?, ?, ?)');
  const device = db.prepare(
    'INSERT INTO devices (id, identifier, kind, created_at, last_seen_at) VALUES (?, ?, ?, ?, ?)',
  );
  db.transaction(() => {
    for (let p = 1; p <= beds; p++) {
      patient.run(p, now, now);
      device.run(p, `0012A5FFFE${String(p).padStart(6, '0')}^EUI-64`, 'MDS', now, now);
    }
  })();
}

/** One value and one source for insertObservationRow, to be refilled before each insert. */
export function reusableRow() {
  return {
    value: {
      code: '',
      codeSystem: 'vitalmesh',
      sourceCode: '150456^MDC_PULS_OXIM_SAT_O2^MDC',
      valueType: 'NM',
      valueNum: 0 as number | undefined,
      valueText: undefined,
      unit: '/min',
      abnormalFlags: undefined,
      status: 'R',
      observedAt: 0,
    },
    source: { patientId: 0, deviceId: 0 as number | null, messageId: 0 as number | null, receivedAt: 0 },
  };
}
