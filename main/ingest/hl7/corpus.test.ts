import { readFileSync, readdirSync } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { Hl7Message as MedplumMessage } from '@medplum/core';
import { Hl7Client } from '@medplum/hl7';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../../shared/catalog/vital-signs';
import { startDecidePool, type Decider } from './decide-pool';
import { FIXTURES } from './fixtures-path';
import { startListener, type Listener } from './listener';
import { frame, MllpFramer } from './mllp';
import { createIngest, type IngestAuditEntry } from './pipeline';
import { openScratchStore, silentLogger } from './test-support';

/**
 * Every message of the shared corpus (../shared/data/hl7v2, see its README for sources and
 * licences) over real TCP: stored, or answered AE/AR with a reason — never a crash or a hang.
 * First ACK code expected per file (enhanced mode answers with CA/CE/CR per MSH-15).
 */
const EXPECTED: Record<string, { ack: string; stored?: number; reason?: RegExp }> = {
  'DERIVED-nodehl7client-adt-a08-dutch-latin1-bytes.hl7': { ack: 'CA' },
  'hapi-adt-a01-crlf-two-pid-T-escape-msh-in-field.hl7': { ack: 'AA' },
  'hapi-bar-p01-malformed-3-encoding-chars.hl7': { ack: 'AR', reason: /BAR is not accepted/ },
  'hapi-bar-p01-nonstandard-subcomp-sep-brace.hl7': { ack: 'AR', reason: /BAR is not accepted/ },
  'hapi-crlf-minimal-msh-obx-subcomponent.hl7': { ack: 'AR', reason: /MSH-12/ },
  'hapi-escape-ft-H-N-S-bloodgas.hl7': { ack: 'CE', reason: /no PID/ },
  'hapi-escape-ft-br-F-olis.hl7': { ack: 'AA', stored: 2 },
  'hapi-ihe-pcd-bp-cwe-dtm.hl7': { ack: 'AA', stored: 5 },
  'hapi-malformed-cr-inside-obx3.hl7': { ack: 'AE', reason: /line break inside a field/ },
  'hapi-oru-radiology-obx-glued-on-obr-line.hl7': { ack: 'CR', reason: /version "2.2"/ },
  'hapi-zsegment-zpi-with-phi.hl7': { ack: 'AA', stored: 1 },
  'medplum-ack-nonstandard-field-separator-underscore.hl7': { ack: 'AR', reason: /version "2.6.1"/ },
  'medplum-adt-a04-lf-endings-repetition-in-pv1.hl7': { ack: 'AA' },
  'msfhirconverter-oru-r01-01-T-escape-rp-ed-cwe-nm-repeat-lf.hl7': { ack: 'CE', reason: /OBX-3/ },
  'nist-ihe-pcd-dec-acme-nibp-ucum.hl7': { ack: 'CA', stored: 4 },
  'nodehl7client-adt-a03-lf-endings-hd-subcomponents.hl7': { ack: 'AE', reason: /MSH-10/ },
  'nodehl7client-adt-a08-dutch-8859-1-diacritics-missing-cr.hl7': { ack: 'CA' },
  'nodehl7client-orm-o01-v23-repeating-pid3.hl7': { ack: 'AR', reason: /ORM is not accepted/ },
  'pythonhl7-batch-fhs-bhs-adt-a04.hl7': { ack: 'AR', reason: /batches/ },
  'pythonhl7-oru-r01-glucose-sn-fn-types.hl7': { ack: 'AE', reason: /PID-3.*PID-7.*OBX-2/ },
  'pythonhl7-repetition-subcomponent-sample.hl7': { ack: 'AE', reason: /assigning authority/ },
};

let store: ReturnType<typeof openScratchStore>;
let listener: Listener;
// Frames are read on a decide worker, as the node reads them.
let decider: Decider;
const audits: IngestAuditEntry[] = [];

beforeAll(async () => {
  store = openScratchStore();
  const logger = silentLogger();
  const onAudit = (e: IngestAuditEntry) => audits.push(e);
  decider = startDecidePool({ threads: 1, localCodes: [], keepTypes: ['ADT'], logger });
  const ingest = createIngest({ db: store.db, catalog: DEFAULT_CATALOG, logger, onAudit, decider });
  listener = await startListener({ ingest, logger, port: 0, onAudit });
});

afterAll(async () => {
  await listener.close();
  await decider.close();
  store.close();
});

/** Sends raw bytes in one MLLP frame and collects ACK frames until `count` arrived. */
function sendRaw(bytes: Buffer, count = 1): Promise<string[]> {
  return new Promise((resolve, reject) => {
    const acks: string[] = [];
    const socket = connect(listener.port, '127.0.0.1', () => socket.write(frame(bytes)));
    const framer = new MllpFramer(1 << 20, {
      onFrame: (p) => {
        acks.push(p.toString('utf8'));
        if (acks.length === count) {
          socket.end();
          resolve(acks);
        }
      },
      onOversized: () => reject(new Error('oversized ack')),
      onJunk: () => undefined,
    });
    socket.on('data', (d: Buffer) => framer.push(d));
    socket.on('error', reject);
    socket.setTimeout(5000, () => reject(new Error('no ACK within 5 s')));
  });
}

const msa = (ack: string) =>
  ack
    .split('\r')
    .find((s) => s.startsWith('MSA'))
    ?.split(/[|_]/) ?? [];

describe('the shared HL7 v2 corpus over MLLP', () => {
  it('has an expectation for every file', () => {
    const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.hl7'));
    expect(files.sort()).toEqual(Object.keys(EXPECTED).sort());
  });

  for (const [file, expected] of Object.entries(EXPECTED)) {
    it(`${file} → ${expected.ack}`, async () => {
      const bytes = readFileSync(join(FIXTURES, file));
      let ackText: string;
      let medplum: MedplumMessage | undefined;
      try {
        // Medplum's client re-encodes text; Latin-1 files go out as Latin-1 bytes.
        const latin = file.includes('latin1');
        medplum = MedplumMessage.parse(bytes.toString(latin ? 'latin1' : 'utf8'));
        if (!medplum.getSegment('MSH')?.getField(10)?.toString()) medplum = undefined;
      } catch {
        medplum = undefined;
      }
      if (medplum) {
        const client = new Hl7Client({
          host: '127.0.0.1',
          port: listener.port,
          encoding: file.includes('latin1') ? 'latin1' : 'utf-8',
        });
        try {
          const ack = await client.sendAndWait(medplum, { timeoutMs: 5000 });
          ackText = ack.toString();
        } finally {
          await client.close();
        }
      } else {
        // What Medplum can't parse or send (batches, no MSH-10) goes over a raw socket.
        [ackText = ''] = await sendRaw(bytes);
      }
      const [, code, , text] = msa(ackText);
      expect(code, ackText).toBe(expected.ack);
      if (expected.reason) {
        const row = store.db
          .prepare(
            "SELECT reason, outcome FROM hl7_messages WHERE outcome = 'rejected' ORDER BY id DESC LIMIT 1",
          )
          .get() as { reason: string };
        expect(row.reason).toMatch(expected.reason);
        expect(text ?? '').not.toBe('');
      }
      if (expected.stored !== undefined) {
        const row = store.db
          .prepare(
            "SELECT observation_count FROM hl7_messages WHERE outcome = 'accepted' ORDER BY id DESC LIMIT 1",
          )
          .get() as { observation_count: number };
        expect(row.observation_count).toBe(expected.stored);
      }
    });
  }

  it('stored the NIST PCD-01 message as the domain reads it', () => {
    const patient = store.db
      .prepare(
        `SELECT p.* FROM patients p JOIN patient_identifiers i ON i.patient_id = p.id WHERE i.system = 'NIST' AND i.value = 'HO2009001'`,
      )
      .get() as Record<string, unknown>;
    expect(patient).toMatchObject({
      family_name: 'Hon',
      given_name: 'Albert',
      birth_date: '1961-01-01',
      sex: 'M',
      unit: 'HO Surgery',
      room: 'OR',
      bed: '1',
    });
    const obs = store.db
      .prepare(
        `SELECT o.code, o.value_num, o.unit, o.observed_at, o.bp_group, o.status, d.identifier FROM observations o
         LEFT JOIN devices d ON d.id = o.device_id WHERE o.patient_id = ? ORDER BY o.id`,
      )
      .all(patient.id) as {
      code: string;
      value_num: number;
      unit: string;
      observed_at: number;
      bp_group: string | null;
      status: string;
      identifier: string;
    }[];
    expect(obs.map((o) => [o.code, o.value_num, o.unit])).toEqual([
      ['nibp-sys', 120, 'mm[Hg]'],
      ['nibp-dia', 80, 'mm[Hg]'],
      ['nibp-mean', 93, 'mm[Hg]'],
      ['pulse-nibp', 63, '/min'],
    ]);
    expect(new Set(obs.slice(0, 3).map((o) => o.bp_group)).size).toBe(1);
    expect(obs[0]?.bp_group).not.toBeNull();
    expect(obs[3]?.bp_group).toBeNull();
    expect(obs[0]?.observed_at).toBe(Date.UTC(2011, 5, 2, 4, 58, 42));
    expect(obs[0]?.identifier).toBe('080019FFFE3ED02D172.16.172.135^GATEWAY_ACME');
  });

  it('took the device of the HAPI PCD message from its MDS container (OBX-4 hierarchy)', () => {
    const rows = store.db
      .prepare(
        `SELECT o.code, o.value_type, o.value_text, d.identifier, d.kind FROM observations o JOIN devices d ON d.id = o.device_id
         JOIN patient_identifiers i ON i.patient_id = o.patient_id WHERE i.system = 'Imaginary Hospital' ORDER BY o.id`,
      )
      .all() as {
      code: string;
      value_type: string;
      value_text: string | null;
      identifier: string;
      kind: string | null;
    }[];
    expect(rows.find((r) => r.code === 'nibp-sys')).toMatchObject({ identifier: '0123456789ABCDEF^EUI-64' });
    expect(rows.find((r) => r.value_type === 'CWE')?.value_text).toBe('532224^MDC_TIME_SYNC_NONE^MDC');
    expect(rows.find((r) => r.value_type === 'DTM')?.value_text).toBe('20091028123702');
  });

  it('audited each connection and each rejected message without PHI', () => {
    expect(audits.some((a) => a.action === 'ingest.hl7.connect')).toBe(true);
    const rejects = audits.filter((a) => a.action === 'ingest.hl7.reject');
    expect(rejects.length).toBe(Object.values(EXPECTED).filter((e) => e.reason).length);
    expect(JSON.stringify(rejects)).not.toMatch(/EVERYWOMAN|196203520/);
  });
});
