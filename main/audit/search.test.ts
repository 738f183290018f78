import { createHash } from 'node:crypto';
import { readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import type { AuditEvent } from '@medplum/fhirtypes';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore, type Store } from '../store/store';
import { keyFileNode } from '../testing/key-file-node';
import { AuditChain } from './chain';
import { AuditExporter, csvCell } from './export';
import {
  compileFilter,
  PATIENT_SUMMARY,
  patientReport,
  searchAudit,
  searchSql,
  SEQ_AT_OR_AFTER,
  SEQ_AT_OR_BEFORE,
} from './search';

let cleanup: () => void;
let dataDir: string;
let store: Store;
let chain: AuditChain;
let clock = Date.parse('2026-01-01T00:00:00Z');

beforeAll(async () => {
  const node = await keyFileNode();
  ({ cleanup, dataDir } = node);
  const keys = node.keys;
  store = await openStore(dataDir, keys);
  // One entry a minute for 5,000 minutes: enough rows that the planner's choices are real.
  chain = new AuditChain(store.db, await keys.load('audit', { create: true }), () => (clock += 60_000));
  chain.appendMany(
    Array.from({ length: 5000 }, (_, i) => ({
      actor: `user${i % 20}`,
      role: i % 20 === 0 ? 'compliance_officer' : 'clinician',
      host: 'console',
      action: ['patients.get', 'vitals.history', 'auth.login'][i % 3]!,
      patientId: i % 3 === 2 ? null : 1 + (i % 50),
      target: i % 7 === 0 ? 'user:alice' : null,
      outcome: i % 11 === 0 ? 'forbidden' : 'ok',
      breakGlassReason: i % 97 === 0 ? 'unconscious patient, admitted via ED' : null,
      details: { i },
    })),
  );
  store.db.exec('ANALYZE');
});
afterAll(() => {
  store.close();
  cleanup();
});

const plan = (sql: string, params: unknown[]): string =>
  (store.db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[])
    .map((r) => r.detail)
    .join(' | ');

describe('audit search query plans', () => {
  const cases: [string, Parameters<typeof compileFilter>[1], RegExp][] = [
    [
      'no filter: the primary key, backwards',
      {},
      /SEARCH audit_log USING INTEGER PRIMARY KEY \(rowid>\? AND rowid<\?\)/,
    ],
    ['patient', { patientId: 7 }, /USING INDEX audit_patient \(patient_id=\? AND seq>\? AND seq<\?\)/],
    ['actor', { actor: 'user3' }, /USING INDEX audit_actor \(actor=\? AND seq>\? AND seq<\?\)/],
    ['action', { action: 'auth.login' }, /USING INDEX audit_action \(action=\? AND seq>\? AND seq<\?\)/],
    ['outcome', { outcome: 'forbidden' }, /USING INDEX audit_outcome \(outcome=\? AND seq>\? AND seq<\?\)/],
    ['target', { target: 'user:alice' }, /USING INDEX audit_target \(target=\? AND seq>\? AND seq<\?\)/],
    ['break-glass', { breakGlass: true }, /USING INDEX audit_break_glass/],
    [
      'patient in a time range',
      { patientId: 7, from: '2026-01-02T00:00:00Z', to: '2026-01-03T00:00:00Z' },
      /USING INDEX audit_patient \(patient_id=\? AND seq>\? AND seq<\?\)/,
    ],
  ];
  for (const [name, filter, expected] of cases) {
    it(`${name} uses its index and needs no sort`, () => {
      const q = compileFilter(store.db, filter);
      const detail = plan(searchSql(q), [...q.params, 50]);
      expect(detail).toMatch(expected);
      expect(detail).not.toMatch(/TEMP B-TREE|SCAN audit_log/);
    });
  }

  it('time bounds come from the time index', () => {
    expect(plan(SEQ_AT_OR_AFTER, [0])).toMatch(/USING COVERING INDEX audit_at \(at>\?\)/);
    expect(plan(SEQ_AT_OR_BEFORE, [0])).toMatch(/USING COVERING INDEX audit_at \(at<\?\)/);
  });

  it('the patient report groups from the patient index', () => {
    expect(plan(PATIENT_SUMMARY, [7, 1, 1e9])).toMatch(/USING INDEX audit_patient/);
  });
});

describe('audit search', () => {
  it('pages newest first without overlap', () => {
    const first = searchAudit(store.db, { patientId: 7, limit: 20 });
    expect(first.entries).toHaveLength(20);
    expect(first.entries.every((e) => e.patientId === 7)).toBe(true);
    const second = searchAudit(store.db, { patientId: 7, limit: 20, before: first.nextBefore! });
    expect(second.entries[0]!.seq).toBeLessThan(first.entries.at(-1)!.seq);
    const seqs = first.entries.map((e) => e.seq);
    expect(seqs).toEqual([...seqs].sort((a, b) => b - a));
  });

  it('filters by time range exactly', () => {
    const from = '2026-01-02T00:00:00Z';
    const to = '2026-01-02T01:00:00Z';
    const { entries } = searchAudit(store.db, { from, to, limit: 500 });
    expect(entries).toHaveLength(61);
    expect(entries.every((e) => e.at >= Date.parse(from) && e.at <= Date.parse(to))).toBe(true);
    expect(searchAudit(store.db, { from: '2030-01-01T00:00:00Z', limit: 5 }).entries).toEqual([]);
  });

  it('combines filters', () => {
    const { entries } = searchAudit(store.db, { actor: 'user0', outcome: 'forbidden', limit: 500 });
    expect(entries.length).toBeGreaterThan(0);
    expect(entries.every((e) => e.actor === 'user0' && e.outcome === 'forbidden')).toBe(true);
  });

  it('reports every access to one patient', () => {
    const report = patientReport(store.db, 7);
    const all = store.db.prepare('SELECT count(*) AS n FROM audit_log WHERE patient_id = 7').get() as {
      n: number;
    };
    expect(report.total).toBe(all.n);
    expect(report.entries).toHaveLength(all.n);
    expect(report.byActor.reduce((s, g) => s + g.count, 0)).toBe(all.n);
  });
});

describe('audit export', () => {
  const requester = { actor: 'comp', role: 'compliance_officer', host: 'console' };

  it('writes CSV owner-only, and records its SHA-256 in the chain', async () => {
    const exporter = new AuditExporter(store.db, chain, dataDir, 'Test Facility');
    const { done } = exporter.start({ format: 'csv', filter: { actor: 'user3' }, requester });
    const result = await done;
    expect(result.state).toBe('done');
    const file = result.file!;
    expect(statSync(file).mode & 0o777).toBe(0o600);
    expect(statSync(dirname(file)).mode & 0o777).toBe(0o700);
    const text = readFileSync(file, 'utf8');
    expect(text.split('\r\n')[0]).toBe(
      'seq,time,actor,role,host,remote_address,action,target,patient_id,outcome,break_glass_reason,details,mac',
    );
    expect(text.trim().split('\r\n')).toHaveLength(1 + result.written);
    expect(result.written).toBe(250);
    const sha = createHash('sha256').update(readFileSync(file)).digest('hex');
    expect(result.sha256).toBe(sha);
    const last = searchAudit(store.db, { action: 'audit.export.completed', limit: 1 }).entries[0]!;
    expect(JSON.parse(last.details!)).toMatchObject({ sha256: sha, entries: 250, format: 'csv' });
    expect(chain.verify().ok).toBe(true);
  });

  it('writes FHIR R4 AuditEvent NDJSON with BALP codes', async () => {
    const exporter = new AuditExporter(store.db, chain, dataDir, 'Test Facility');
    const result = await exporter.start({ format: 'fhir-ndjson', filter: { breakGlass: true }, requester })
      .done;
    const events = readFileSync(result.file!, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as AuditEvent);
    expect(events.length).toBe(result.written);
    expect(events.length).toBeGreaterThan(0);
    const e = events[0]!;
    expect(e.resourceType).toBe('AuditEvent');
    expect(e.purposeOfEvent?.[0]?.coding?.[0]?.code).toBe('BTG');
    expect(e.entity?.some((x) => x.role?.code === '1' && /^Patient\//.test(x.what?.reference ?? ''))).toBe(
      true,
    );
    expect(['rest', '110114']).toContain(e.type.code);
    expect(e.agent[0]?.requestor).toBe(true);
  });

  it('neutralises spreadsheet formulas in CSV cells', () => {
    expect(csvCell('=HYPERLINK("x")')).toBe(`"'=HYPERLINK(""x"")"`);
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(null)).toBe('');
  });
});
