import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Hl7MessageView } from '../../shared/api/ingest';
import type { Role } from '../../shared/roles';
import { hashPassword } from '../auth/password';
import { msaOf, sendOneMllp } from '../ingest/hl7/test-support';
import type { VitalMeshNode } from '../node';
import { pcd01Message, type BedIdentity } from '../simulator/pcd01';
import { PatientVitals, seededRandom } from '../simulator/vitals';
import { startTestNode } from '../testing/test-node';
import {
  LATEST_OF_CODE_SQL,
  OBSERVATIONS_RANGE_SQL,
  PATIENT_BY_IDENTIFIER_VALUE_SQL,
  PATIENT_CODES_SQL,
} from '../patients/patient-reader';
import { MESSAGES_BY_OUTCOME_SQL } from './ingest-handlers';

/**
 * The patient and ingest API over a real node: messages arrive over real MLLP into the encrypted
 * store, then every call goes through the dispatcher (session, matrix, schema, handler, audit).
 */
let node: VitalMeshNode;
let cleanup: () => Promise<void>;
const tokens = {} as Record<Role | 'otherClinician', string>;
const T0 = Date.UTC(2026, 2, 1, 10, 0, 0);

const icuBed: BedIdentity = {
  eui64: '0012A5FFFE000001',
  mrn: 'MRN-ICU-7',
  family: 'Jansen',
  given: 'Greta',
  birthDate: '19580412',
  sex: 'F',
  unit: 'ICU',
  room: '101',
  bed: 'A',
};
const wardBed: BedIdentity = {
  ...icuBed,
  eui64: '0012A5FFFE000002',
  mrn: 'MRN-W3-9',
  family: 'Okafor',
  given: 'Ben',
  unit: 'Ward 3',
};

const call = (who: keyof typeof tokens, method: string, input: unknown) =>
  node.api.call({ host: 'console', token: tokens[who] }, method, input);
const lastAudit = () =>
  node.store.db
    .prepare(
      'SELECT action, actor, patient_id, outcome, break_glass_reason, details FROM audit_log ORDER BY seq DESC LIMIT 1',
    )
    .get() as {
    action: string;
    patient_id: number | null;
    outcome: string;
    break_glass_reason: string | null;
    details: string;
  };

beforeAll(async () => {
  ({ node, cleanup } = await startTestNode());
  const passwordHash = await hashPassword('records-test-password');
  const add = (key: keyof typeof tokens, role: Role, units: string[] = []) => {
    const user = node.access.users.add({
      username: `rec-${key}`,
      displayName: key,
      role,
      units,
      passwordHash,
    });
    tokens[key] = node.access.sessions.create(user.id, 'console').token;
  };
  add('clinician', 'clinician', ['ICU']);
  add('otherClinician', 'clinician', ['Ward 3']);
  add('it_admin', 'it_admin');
  add('compliance_officer', 'compliance_officer');
  add('researcher', 'researcher');
  const port = node.hl7!.listener.port;
  // Ten minutes of one message a minute from each bed, then one broken message.
  for (let i = 0; i < 10; i++) {
    for (const bed of [icuBed, wardBed]) {
      const text = pcd01Message(
        bed,
        new PatientVitals(seededRandom(i + 1)).next(),
        `${bed.mrn}-${i}`,
        T0 + i * 60_000,
      );
      expect(msaOf(await sendOneMllp(port, text)).code).toBe('AA');
    }
  }
  const broken = `MSH|^~\\&|MON|ICU|VM|F|20260301100000||ORU^R01|BROKEN-1|P|2.6\rPID|||${icuBed.mrn}^^^SIMHOSP^MR||${icuBed.family}^${icuBed.given}||19580412|F\rOBX|1|NM|150456^MDC_PULS_OXIM_SAT_O2^MDC|1.2.1.1|ninety|%`;
  expect(msaOf(await sendOneMllp(port, broken)).code).toBe('AE');
});
afterAll(async () => cleanup());

describe('patients.search', () => {
  it('finds a patient of my unit by identifier and by name prefix, with the ids in the audit', async () => {
    const byId = await call('clinician', 'patients.search', { query: icuBed.mrn });
    expect(byId).toMatchObject({
      ok: true,
      value: { patients: [{ family: 'Jansen', given: 'Greta', unit: 'ICU', room: '101', bed: 'A' }] },
    });
    const patient = (byId as { value: { patients: { id: number; identifiers: unknown[] }[] } }).value
      .patients[0]!;
    expect(patient.identifiers).toEqual([{ system: 'SIMHOSP', value: icuBed.mrn, type: 'MR' }]);
    const audit = lastAudit();
    expect(audit).toMatchObject({ action: 'patients.search', outcome: 'ok', patient_id: patient.id });
    expect(audit.details).not.toContain(icuBed.mrn); // the search words are PHI
    const byName = await call('clinician', 'patients.search', { query: 'jans' });
    expect(byName).toMatchObject({ ok: true, value: { patients: [{ id: patient.id }] } });
  });

  it('keeps to my units unless I break the glass, which is marked for review', async () => {
    expect(await call('clinician', 'patients.search', { query: 'Okafor' })).toEqual({
      ok: true,
      value: { patients: [] },
    });
    const reason = 'covering Ward 3 during a rapid response call';
    const glass = await call('clinician', 'patients.search', { query: 'Okafor', breakGlassReason: reason });
    expect(glass).toMatchObject({ ok: true, value: { patients: [{ unit: 'Ward 3' }] } });
    expect(lastAudit()).toMatchObject({ action: 'patients.search', break_glass_reason: reason });
    expect(await call('otherClinician', 'patients.search', { query: 'Okafor' })).toMatchObject({
      ok: true,
      value: { patients: [{ family: 'Okafor' }] },
    });
  });

  it('is refused to IT, compliance and researchers', async () => {
    for (const who of ['it_admin', 'compliance_officer', 'researcher'] as const)
      expect(await call(who, 'patients.search', { query: 'Jansen' })).toMatchObject({
        ok: false,
        error: { code: 'forbidden' },
      });
  });
});

describe('patients.get and observations.history', () => {
  const icuId = () =>
    (node.store.db.prepare("SELECT id FROM patients WHERE family_name = 'Jansen'").get() as { id: number })
      .id;
  const wardId = () =>
    (node.store.db.prepare("SELECT id FROM patients WHERE family_name = 'Okafor'").get() as { id: number })
      .id;

  it('returns the latest value of each code and names the patient in the audit', async () => {
    const result = await call('clinician', 'patients.get', { patientId: icuId() });
    expect(result.ok).toBe(true);
    const detail = (result as { value: { latest: { code: string; observedAt: string; unit: string }[] } })
      .value;
    const spo2 = detail.latest.find((o) => o.code === 'spo2');
    expect(spo2).toMatchObject({ unit: '%', observedAt: new Date(T0 + 9 * 60_000).toISOString() });
    expect(detail.latest.map((o) => o.code)).toEqual(expect.arrayContaining(['hr', 'nibp-sys', 'nibp-dia']));
    expect(lastAudit()).toMatchObject({ action: 'patients.get', patient_id: icuId(), outcome: 'ok' });
  });

  it('refuses a patient outside my units without a reason, and says how to proceed', async () => {
    const refused = await call('clinician', 'patients.get', { patientId: wardId() });
    expect(refused).toMatchObject({ ok: false, error: { code: 'forbidden', message: /break-glass/ } });
    expect(lastAudit()).toMatchObject({ action: 'patients.get', patient_id: wardId(), outcome: 'forbidden' });
    expect(await call('clinician', 'patients.get', { patientId: 99_999 })).toMatchObject({
      ok: false,
      error: { code: 'not_found' },
    });
  });

  it('reads one code in a time range, by catalog id or MDC code, oldest first, with unit and device', async () => {
    const range = {
      from: new Date(T0 + 2 * 60_000).toISOString(),
      to: new Date(T0 + 5 * 60_000).toISOString(),
    };
    const byId = await call('clinician', 'observations.history', {
      patientId: icuId(),
      code: 'spo2',
      ...range,
    });
    expect(byId.ok).toBe(true);
    const rows = (
      byId as {
        value: { observations: { code: string; observedAt: string; unit: string; device: string }[] };
      }
    ).value.observations;
    expect(rows.map((r) => r.observedAt)).toEqual(
      [2, 3, 4, 5].map((m) => new Date(T0 + m * 60_000).toISOString()),
    );
    expect(
      rows.every((r) => r.code === 'spo2' && r.unit === '%' && r.device === '0012A5FFFE000001^EUI-64'),
    ).toBe(true);
    const byMdc = await call('clinician', 'observations.history', {
      patientId: icuId(),
      code: '150456',
      ...range,
    });
    expect(byMdc).toEqual(byId);
    expect(lastAudit()).toMatchObject({ action: 'observations.history', patient_id: icuId() });
  });

  it('reads every code when none is given, truncating at the limit, and keeps BP parts related', async () => {
    const all = await call('clinician', 'observations.history', {
      patientId: icuId(),
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 60_000).toISOString(),
    });
    const obs = (
      all as { value: { observations: { code: string; observedAt: string; bpGroup: string | null }[] } }
    ).value.observations;
    expect(new Set(obs.map((o) => o.code)).size).toBeGreaterThanOrEqual(8);
    expect(obs.map((o) => o.observedAt)).toEqual([...obs.map((o) => o.observedAt)].sort());
    const bp = obs.filter((o) => o.code.startsWith('nibp-') && o.observedAt === new Date(T0).toISOString());
    expect(bp).toHaveLength(3);
    expect(new Set(bp.map((o) => o.bpGroup)).size).toBe(1);
    const limited = await call('clinician', 'observations.history', {
      patientId: icuId(),
      from: new Date(T0).toISOString(),
      to: new Date(T0 + 60_000).toISOString(),
      limit: 5,
    });
    expect(limited).toMatchObject({ ok: true, value: { truncated: true } });
  });

  it('is refused to compliance (it audits who looked; it does not read vitals)', async () => {
    expect(
      await call('compliance_officer', 'observations.history', {
        patientId: icuId(),
        from: new Date(T0).toISOString(),
        to: new Date(T0 + 60_000).toISOString(),
      }),
    ).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});

describe('ingest.status and ingest.messages (IT)', () => {
  it('shows the listener, counters, totals and the devices last heard from', async () => {
    const result = await call('it_admin', 'ingest.status', {});
    expect(result).toMatchObject({
      ok: true,
      value: {
        listener: { enabled: true, host: '127.0.0.1', port: node.hl7!.listener.port, tls: false },
        counters: { received: 21, accepted: 20, rejected: 1 },
        totals: { accepted: 20, duplicate: 0, rejected: 1 },
        reading: { restarts: 0, lastExitAt: null },
      },
    });
    // The node's own choice of decide workers (one beside the store's thread on two cores or more).
    const { reading } = (result as { value: { reading: { threads: number; running: number } } }).value;
    expect(reading.running).toBe(reading.threads);
    const devices = (result as { value: { devices: { identifier: string }[] } }).value.devices.map(
      (d) => d.identifier,
    );
    expect(devices).toEqual(expect.arrayContaining(['0012A5FFFE000001^EUI-64', '0012A5FFFE000002^EUI-64']));
    expect(await call('clinician', 'ingest.status', {})).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });

  it('lists the quarantine with the reason and ACK, and masks the patient in the raw message for IT', async () => {
    const result = await call('it_admin', 'ingest.messages', { outcome: 'rejected' });
    expect(result.ok).toBe(true);
    const { messages } = (result as { value: { messages: Record<string, unknown>[] } }).value;
    expect(messages).toHaveLength(1);
    const [q] = messages as {
      raw: string;
      reason: string;
      ack: string;
      ackCode: string;
      controlId: string;
      rawRedacted: boolean;
    }[];
    expect(q).toMatchObject({ controlId: 'BROKEN-1', ackCode: 'AE', rawRedacted: true });
    expect(q!.reason).toMatch(/OBX-5.*not a number/);
    expect(q!.ack).toMatch(/MSA\|AE\|BROKEN-1/);
    expect(q!.raw).toMatch(/^MSH\|\^~\\&\|MON\|ICU\|/); // structure readable
    expect(q!.raw).toMatch(/\rPID\|/);
    for (const phi of [icuBed.mrn, icuBed.family, icuBed.given, '19580412'])
      expect(q!.raw).not.toContain(phi);
    expect(lastAudit()).toMatchObject({ action: 'ingest.messages', outcome: 'ok' });

    const accepted = await call('it_admin', 'ingest.messages', { outcome: 'accepted', limit: 15 });
    const page = (
      accepted as { value: { messages: { outcome: string; id: number }[]; nextBefore: number | null } }
    ).value;
    expect(page.messages).toHaveLength(15);
    expect(page.messages.every((m) => m.outcome === 'accepted')).toBe(true);
    const next = await call('it_admin', 'ingest.messages', { outcome: 'accepted', before: page.nextBefore });
    expect((next as { value: { messages: unknown[]; nextBefore: number | null } }).value).toMatchObject({
      nextBefore: null,
    });
    expect((next as { value: { messages: unknown[] } }).value.messages).toHaveLength(5);
  });

  it('replays a quarantined message as a new kept message, audited; only IT, only the quarantine', async () => {
    const original = node.store.db
      .prepare("SELECT id FROM hl7_messages WHERE control_id = 'BROKEN-1'")
      .get() as {
      id: number;
    };
    const result = await call('it_admin', 'ingest.replay', { id: original.id });
    // Its content is still wrong: rejected again, with the same reason, as a new row.
    expect(result).toMatchObject({
      ok: true,
      value: { outcome: 'rejected', ackCode: 'AE', observationCount: 0 },
    });
    const replay = (result as { value: { messageId: number; reason: string } }).value;
    expect(replay.reason).toMatch(/OBX-5.*not a number/);
    expect(lastAudit()).toMatchObject({ action: 'ingest.replay', actor: 'rec-it_admin', outcome: 'ok' });
    expect(JSON.parse(lastAudit().details)).toMatchObject({
      replayedAs: replay.messageId,
      outcome: 'rejected',
      ackCode: 'AE',
    });

    const page = await call('it_admin', 'ingest.messages', { outcome: 'rejected', limit: 2 });
    const [newest, older] = (page as { value: { messages: Hl7MessageView[] } }).value.messages;
    expect(newest).toMatchObject({
      id: replay.messageId,
      replayOf: original.id,
      remote: 'replay by rec-it_admin',
    });
    expect(older).toMatchObject({
      id: original.id,
      replayedAs: { id: replay.messageId, outcome: 'rejected' },
    });

    const accepted = node.store.db
      .prepare("SELECT id FROM hl7_messages WHERE outcome = 'accepted' LIMIT 1")
      .get() as {
      id: number;
    };
    const refused = (await call('it_admin', 'ingest.replay', { id: accepted.id })) as {
      ok: boolean;
      error: { code: string; message: string };
    };
    expect(refused).toMatchObject({ ok: false, error: { code: 'conflict' } });
    expect(refused.error.message).toMatch(/was accepted, not rejected; only the quarantine is replayed/);
    // Refused for its size, only its head was kept: there is nothing whole to replay.
    await node.hl7!.ingest.receiveOversized(
      Buffer.from('MSH|^~\\&|MON|ICU|VM|F|20260301100000||ORU^R01|BIG-1|P|2.6\rOBX|1|NM|150456^MDC'),
      2_000_000,
      1_048_576,
      { id: 99, remote: '127.0.0.1:50999' },
    );
    const big = node.store.db.prepare("SELECT id FROM hl7_messages WHERE control_id = 'BIG-1'").get() as {
      id: number;
    };
    const head = (await call('it_admin', 'ingest.replay', { id: big.id })) as {
      error: { code: string; message: string };
    };
    expect(head.error.code).toBe('conflict');
    expect(head.error.message).toMatch(/refused for its size and only its head was kept/);
    expect(await call('it_admin', 'ingest.replay', { id: 999_999 })).toMatchObject({
      ok: false,
      error: { code: 'not_found', message: 'there is no kept HL7 message 999999' },
    });
    expect(await call('clinician', 'ingest.replay', { id: original.id })).toMatchObject({
      ok: false,
      error: { code: 'forbidden' },
    });
  });
});

describe('hot queries use their indexes', () => {
  const plan = (sql: string, params: unknown) =>
    (node.store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(params as never) as { detail: string }[])
      .map((r) => r.detail)
      .join('; ');

  it('history, latest and the per-patient codes seek observations_patient_code_time', () => {
    expect(plan(OBSERVATIONS_RANGE_SQL, [1, 'spo2', 0, 1, 10])).toMatch(
      /SEARCH o USING INDEX observations_patient_code_time \(patient_id=\? AND code=\? AND observed_at>\? AND observed_at<\?\)/,
    );
    expect(plan(LATEST_OF_CODE_SQL, [1, 'spo2'])).toMatch(
      /SEARCH o USING INDEX observations_patient_code_time \(patient_id=\? AND code=\?\)/,
    );
    const codes = plan(PATIENT_CODES_SQL, { patientId: 1 });
    expect(codes).toMatch(/observations_patient_code_time/);
    expect(codes).not.toMatch(/SCAN observations/);
  });

  it('the quarantine page seeks hl7_messages_outcome; the identifier search its index', () => {
    const quarantine = plan(MESSAGES_BY_OUTCOME_SQL, ['rejected', 100, 50]);
    expect(quarantine).toMatch(/SEARCH m USING INDEX hl7_messages_outcome \(outcome=\? AND id<\?\)/);
    // Each row's latest replay, by the partial index on replay_of.
    expect(quarantine).toMatch(/SEARCH r USING INDEX hl7_messages_replay_of \(replay_of=\?\)/);
    expect(plan(PATIENT_BY_IDENTIFIER_VALUE_SQL, { query: 'x', limit: 5, units: null })).toMatch(
      /SEARCH i USING (COVERING )?INDEX patient_identifiers_value \(value=\?\)/,
    );
  });
});
