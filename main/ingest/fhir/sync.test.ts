import type { Observation, Patient, Resource } from '@medplum/fhirtypes';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { DEFAULT_CATALOG } from '../../../shared/catalog/vital-signs';
import type { VitalMeshNode } from '../../node';
import { startTestNode } from '../../testing/test-node';
import { parseFhirTime } from './mapping';
import { specResource } from './testing/corpus';
import { startFhirTestServer, type FhirTestServer } from './testing/fhir-test-server';
import { addSource, seedCorpus, storedObservations, sync } from './testing/sync-harness';

/**
 * The sync against a real FHIR R4 server on loopback (Medplum's router and in-memory repository
 * behind node:http) loaded with the R4 examples and Synthea's patients, into a real encrypted
 * store. Every test gets its own server and source; the node (store) is shared.
 */
let node: VitalMeshNode;
let cleanup: () => Promise<void>;
let server: FhirTestServer;
let seeded: Resource[];
let names = 0;

beforeAll(async () => {
  ({ node, cleanup } = await startTestNode());
});
afterAll(async () => cleanup());

async function freshServer(): Promise<FhirTestServer> {
  server = await startFhirTestServer();
  seeded = await seedCorpus(server);
  return server;
}
afterEach(async () => server?.close());

const db = () => node.store.db;
const source = (options: Parameters<typeof addSource>[2] = {}) =>
  addSource(db(), server, { name: `EHR ${++names}`, ...options });
const ofType = (type: string) => seeded.filter((r) => r.resourceType === type);
const count = (sql: string, ...args: unknown[]) =>
  (
    db()
      .prepare(sql)
      .get(...args) as { n: number }
  ).n;

/** The Observations the two searches select: category vital-signs, or a catalog LOINC code. */
function expectedObservations(): Observation[] {
  const loinc = new Set(DEFAULT_CATALOG.vitals.flatMap((v) => v.loinc));
  return (ofType('Observation') as Observation[]).filter(
    (o) =>
      o.category?.some((c) => c.coding?.some((k) => k.code === 'vital-signs')) ||
      o.code.coding?.some((k) => k.system === 'http://loinc.org' && loinc.has(k.code ?? '')),
  );
}

describe('FHIR sync from a real R4 server', () => {
  it('imports patients, devices, encounters and vital signs; values, units, times and patient links match the source', async () => {
    await freshServer();
    const src = source();
    const result = await sync(db(), src);
    expect(result.outcome, result.message ?? '').toBe('ok');

    const expected = expectedObservations();
    const patients = ofType('Patient');
    expect(
      count(
        "SELECT count(*) n FROM fhir_resources WHERE source_id = ? AND resource_type = 'Patient'",
        src.id,
      ),
    ).toBe(patients.length);
    expect(
      count("SELECT count(*) n FROM fhir_resources WHERE source_id = ? AND resource_type = 'Device'", src.id),
    ).toBe(ofType('Device').length);
    expect(
      count(
        "SELECT count(*) n FROM fhir_resources WHERE source_id = ? AND resource_type = 'Encounter'",
        src.id,
      ),
    ).toBe(ofType('Encounter').length);
    expect(
      count(
        "SELECT count(*) n FROM fhir_resources WHERE source_id = ? AND resource_type = 'Observation'",
        src.id,
      ),
    ).toBe(expected.length);

    // Every value-carrying Observation, its own value and each component, against the source.
    const stored = storedObservations(db(), src.id);
    let rows = 0;
    for (const o of expected) {
      const mine = stored.filter((s) => s.resourceId === o.id);
      const parts = [o, ...(o.component ?? [])].filter((p) => p.valueQuantity?.value !== undefined);
      if (o.status === 'cancelled') expect(mine, o.id).toEqual([]);
      expect(mine.length, o.id).toBe(o.status === 'cancelled' ? 0 : parts.length);
      rows += mine.length;
      const when = parseFhirTime(o.effectiveDateTime ?? o.effectivePeriod?.start ?? '');
      for (const part of parts) {
        const coding = part.code.coding?.[0];
        const row = mine.find(
          (m) => m.sourceCode.endsWith(`|${coding?.code}`) || m.valueNum === part.valueQuantity?.value,
        );
        expect(row, `${o.id} ${coding?.code}`).toBeDefined();
        expect(row?.valueNum).toBe(part.valueQuantity?.value);
        expect(row?.unit).toBe(part.valueQuantity?.code);
        expect(row?.observedAt).toBe(when);
      }
      // subject → the patient the source's Patient resource became.
      const subject = o.subject?.reference?.split('/')[1];
      const patientRow = db()
        .prepare(
          "SELECT patient_id AS id FROM fhir_resources WHERE source_id = ? AND resource_type = 'Patient' AND resource_id = ?",
        )
        .get(src.id, subject) as { id: number };
      for (const m of mine) expect(m.patientId, o.id).toBe(patientRow.id);
    }
    expect(result.counts.observations).toBe(rows);

    // Catalog codes land on catalog ids; unknown codes (BMI, height, weight) keep their LOINC coding.
    const byId = (id: string) => stored.filter((s) => s.resourceId === id);
    expect(byId('heart-rate')).toMatchObject([
      { code: 'hr', codeSystem: 'vitalmesh', valueNum: 44, unit: '/min' },
    ]);
    expect(byId('satO2')).toMatchObject([{ code: 'spo2', valueNum: 95, unit: '%' }]);
    expect(byId('satO2')[0]?.device).toBe(`${server.baseUrl}/DeviceMetric/example`);
    expect(byId('body-temperature')).toMatchObject([{ code: 'temp', valueNum: 36.5, unit: 'Cel' }]);
    const bp = byId('blood-pressure');
    expect(bp.map((b) => [b.code, b.valueNum, b.unit])).toEqual([
      ['nibp-dia', 60, 'mm[Hg]'],
      ['nibp-sys', 107, 'mm[Hg]'],
    ]);
    expect(bp[0]?.bpGroup).not.toBeNull();
    expect(bp[0]?.bpGroup).toBe(bp[1]?.bpGroup);
    expect(byId('blood-pressure-dar').map((b) => b.code)).toEqual(['nibp-sys']);
    expect(byId('bmi')).toMatchObject([{ code: '39156-5', codeSystem: 'http://loinc.org', unit: 'kg/m2' }]);
    expect(byId('map-sitting')).toMatchObject([{ code: 'nibp-mean', valueNum: 60 }]);
    expect(byId('vitals-panel')).toEqual([]);

    // Peter Chalmers, matched by his MRN (system + value), demographics from the official name.
    const example = seeded.find((r) => r.resourceType === 'Patient' && r.id === 'example') as Patient;
    const mrn = example.identifier?.[0];
    const patient = db()
      .prepare(
        `SELECT p.family_name AS family, p.given_name AS given, p.birth_date AS birthDate, p.sex, p.unit
         FROM patients p JOIN patient_identifiers i ON i.patient_id = p.id WHERE i.system = ? AND i.value = ?`,
      )
      .get(mrn?.system, mrn?.value);
    // Encounter-emerg is in progress, its open location names the bed.
    expect(patient).toEqual({
      family: 'Chalmers',
      given: 'Peter James',
      birthDate: '1974-12-25',
      sex: 'M',
      unit: 'Ward 1, Room 42, Bed 1',
    });
    // His home address's postal code is kept for the ZIP3 a de-identified product may release.
    const zip = db()
      .prepare(
        `SELECT z.zip FROM patient_zip z JOIN patient_identifiers i ON i.patient_id = z.patient_id
         WHERE i.system = ? AND i.value = ?`,
      )
      .pluck()
      .get(mrn?.system, mrn?.value);
    expect(zip).toBe('3999');

    // A second run finds nothing new: the cursors hold, and nothing is stored twice.
    const again = await sync(db(), src);
    expect(again.counts).toMatchObject({ fetched: 0, stored: 0, observations: 0 });
    expect(storedObservations(db(), src.id)).toHaveLength(stored.length);
  });

  it('pages with a small _count through next links to the end, and stores the same as one big page', async () => {
    await freshServer();
    const src = source({ pageSize: 7 });
    const result = await sync(db(), src);
    expect(result.outcome, result.message ?? '').toBe('ok');
    const searches = server.requests.filter((r) => r.method === 'GET' && r.path === '/Observation');
    expect(searches.every((r) => r.query.get('_count') === '7')).toBe(true);
    // 12 vital-signs Observations in pages of 7 → 2 requests; 6 catalog-coded → 1.
    expect(
      searches.filter((r) => r.query.get('category') === 'vital-signs').map((r) => r.query.get('_offset')),
    ).toEqual([null, '7']);
    const encounters = ofType('Encounter').length + ofType('Location').length + ofType('Patient').length;
    expect(result.counts.pages).toBeGreaterThanOrEqual(Math.ceil(encounters / 7));
    expect(result.counts).toMatchObject({
      fetched: 174,
      stored: 167,
      unchanged: 5,
      skipped: 2,
      observations: 12,
    });
  });

  it('an incremental run picks up updated, added, entered-in-error and deleted Observations only', async () => {
    await freshServer();
    const src = source();
    await sync(db(), src);
    const before = storedObservations(db(), src.id);
    const hr = await server.repo.readResource<Observation>('Observation', 'heart-rate');
    await server.repo.updateResource({ ...hr, valueQuantity: { ...hr.valueQuantity, value: 58 } });
    const rr = await server.repo.readResource<Observation>('Observation', 'respiratory-rate');
    await server.repo.updateResource({ ...rr, status: 'entered-in-error' });
    await server.remove('Observation', 'body-temperature');
    const added = await server.repo.createResource<Observation>({
      ...hr,
      id: undefined,
      meta: undefined,
      effectiveDateTime: '2026-11-30T10:15:00Z',
      valueQuantity: { value: 72, unit: 'beats/minute', system: 'http://unitsofmeasure.org', code: '/min' },
    });
    server.requests.length = 0;

    const result = await sync(db(), src);
    expect(result.outcome, result.message ?? '').toBe('ok');
    // Only changes came back: hr (updated, seen by both searches), rr, and the new one.
    expect(result.counts).toMatchObject({ stored: 2, retracted: 2, observations: 2 });
    for (const r of server.requests.filter((q) => q.path !== '/metadata' && !q.path.endsWith('/_history')))
      expect(r.query.get('_lastUpdated'), r.path).toMatch(/^gt\d{4}-/);
    expect(server.requests.some((r) => r.path === '/Observation/_history' && r.query.get('_since'))).toBe(
      true,
    );

    const after = storedObservations(db(), src.id);
    const of = (id: string | undefined) => after.filter((o) => o.resourceId === id);
    expect(of('heart-rate').map((o) => o.valueNum)).toEqual([58]);
    expect(of(added.id)).toMatchObject([
      { code: 'hr', valueNum: 72, observedAt: Date.parse('2026-11-30T10:15:00Z') },
    ]);
    expect(of('respiratory-rate')).toEqual([]);
    expect(of('body-temperature')).toEqual([]);
    expect(after).toHaveLength(before.length - 2 + 1);
    const retracted = db()
      .prepare(
        'SELECT resource_id AS id, status FROM fhir_resources WHERE source_id = ? AND retracted_at IS NOT NULL ORDER BY resource_id',
      )
      .all(src.id);
    expect(retracted).toEqual([
      { id: 'body-temperature', status: 'deleted' },
      { id: 'respiratory-rate', status: 'entered-in-error' },
    ]);
  });

  it('quarantines invalid or unlinkable resources with the reason, and stores the rest of the page', async () => {
    await freshServer();
    const base = specResource<Observation>('Observation-heart-rate');
    await server.seed([
      { ...base, id: 'no-time', effectiveDateTime: undefined },
      { ...base, id: 'nobody', subject: { reference: 'Patient/nobody' } },
      { ...base, id: 'bad-status', status: 'done' as never },
    ]);
    const src = source({ resources: ['Patient', 'Observation'] });
    const result = await sync(db(), src);
    expect(result.outcome, result.message ?? '').toBe('ok');
    expect(result.counts.quarantined).toBe(3);
    const entries = node.fhir.sources.quarantine(src.id, 10);
    const reason = (id: string) => entries.find((e) => e.resourceId === id)?.reason;
    expect(reason('no-time')).toMatch(/effective\[x\]/);
    expect(reason('nobody')).toBe('subject Patient/nobody: the server has no Patient/nobody (404)');
    expect(reason('bad-status')).toMatch(/^status: /);
    // The good ones on the same page are in.
    expect(storedObservations(db(), src.id).some((o) => o.resourceId === 'heart-rate')).toBe(true);
  });
});

describe('FHIR sync when the server misbehaves', () => {
  it('429 with Retry-After: waits as told, then succeeds', async () => {
    await freshServer();
    const seen: number[] = [];
    server.hooks.push((req) => {
      if (req.path !== '/Patient') return undefined;
      seen.push(Date.now());
      return seen.length === 1
        ? {
            status: 429,
            headers: { 'retry-after': '1' },
            body: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'throttled', diagnostics: 'slow down' }],
            },
          }
        : undefined;
    });
    const result = await sync(db(), source({ resources: ['Patient'] }));
    expect(result.outcome, result.message ?? '').toBe('ok');
    expect(result.counts.stored).toBe(ofType('Patient').length);
    expect(seen).toHaveLength(2);
    expect((seen[1] ?? 0) - (seen[0] ?? 0)).toBeGreaterThanOrEqual(950);
  });

  it('500 mid-paging: retried with backoff; when it persists the run fails, and the next run resumes after the committed pages without loss or duplicates', async () => {
    await freshServer();
    const src = source({ pageSize: 5, resources: ['Patient', 'Observation'] });
    let failures = 0;
    const failPageTwo = (req: { path: string; query: URLSearchParams }) => {
      if (req.path === '/Observation' && req.query.get('_offset') === '5') {
        failures++;
        return {
          status: 500,
          body: {
            resourceType: 'OperationOutcome',
            issue: [{ severity: 'error', code: 'exception', diagnostics: 'database unavailable' }],
          },
        };
      }
      return undefined;
    };
    server.hooks.push(failPageTwo);
    const first = await sync(db(), src);
    expect(first.outcome).toBe('error');
    expect(failures).toBe(3); // FAST_RETRY: three attempts
    expect(first.message).toContain('500');
    expect(first.issues).toEqual([{ severity: 'error', code: 'exception', text: 'database unavailable' }]);
    const cursor = db()
      .prepare(
        "SELECT last_updated AS at FROM fhir_cursors WHERE source_id = ? AND stream = 'Observation:vital-signs'",
      )
      .get(src.id) as { at: string } | undefined;
    expect(cursor?.at).toMatch(/^2025-/); // page one committed, and its cursor with it
    const partial = storedObservations(db(), src.id).length;
    expect(partial).toBeGreaterThan(0);

    server.hooks.length = 0;
    server.requests.length = 0;
    const second = await sync(db(), src);
    expect(second.outcome, second.message ?? '').toBe('ok');
    const resumed = server.requests.find((r) => r.path === '/Observation' && r.query.get('category'));
    expect(resumed?.query.get('_lastUpdated')).toBe(`gt${cursor?.at}`);
    // Same rows as an undisturbed import, none twice.
    const rows = storedObservations(db(), src.id);
    expect(rows).toHaveLength(12);
    expect(new Set(rows.map((r) => `${r.resourceId}|${r.code}`)).size).toBe(12);
  });

  it('a 500 that clears up within the retries costs nothing', async () => {
    await freshServer();
    let once = false;
    server.hooks.push((req) => {
      if (req.path === '/Patient' && req.query.get('_offset') === '10' && !once) {
        once = true;
        return { status: 503, body: 'down for a moment' };
      }
      return undefined;
    });
    const result = await sync(db(), source({ pageSize: 10, resources: ['Patient'] }));
    expect(result.outcome, result.message ?? '').toBe('ok');
    expect(once).toBe(true);
    expect(result.counts.stored).toBe(ofType('Patient').length);
  });

  it("401 stops the source with a clear message and the server's OperationOutcome", async () => {
    await freshServer();
    server.hooks.push((req) =>
      req.path === '/Patient'
        ? {
            status: 401,
            body: {
              resourceType: 'OperationOutcome',
              issue: [{ severity: 'error', code: 'login', details: { text: 'token expired' } }],
            },
          }
        : undefined,
    );
    const src = source({ resources: ['Patient'] });
    const result = await sync(db(), src);
    expect(result.outcome).toBe('stopped');
    expect(result.message).toMatch(
      /refused our credentials \(401 Unauthorized\).*token expired.*stopped until its credentials are changed/,
    );
    expect(result.issues).toEqual([{ severity: 'error', code: 'login', text: 'token expired' }]);
    expect(server.requests.filter((r) => r.path === '/Patient')).toHaveLength(1); // no retrying a refusal
  });

  it('says what the CapabilityStatement lacks (no _lastUpdated search), before any search', async () => {
    await freshServer();
    const rest = server.capability.rest?.[0];
    if (rest) {
      rest.searchParam = [];
      const obs = rest.resource?.find((r) => r.type === 'Observation');
      if (obs) obs.searchParam = [];
    }
    const result = await sync(db(), source());
    expect(result.outcome).toBe('error');
    expect(result.message).toBe(
      "the server's CapabilityStatement lacks what incremental sync needs: Observation can't be searched by _lastUpdated",
    );
    expect(server.requests.filter((r) => r.path !== '/metadata')).toEqual([]);
  });

  it('shows a search-time OperationOutcome (400) with its issues', async () => {
    await freshServer();
    server.hooks.push((req) =>
      req.path === '/Device'
        ? {
            status: 400,
            body: {
              resourceType: 'OperationOutcome',
              issue: [
                { severity: 'error', code: 'not-supported', diagnostics: 'Unknown search parameter: _sort' },
              ],
            },
          }
        : undefined,
    );
    const result = await sync(db(), source({ resources: ['Device'] }));
    expect(result.outcome).toBe('error');
    expect(result.message).toBe(
      'the server answered 400 when trying to search Device: Unknown search parameter: _sort',
    );
    expect(result.issues).toEqual([
      { severity: 'error', code: 'not-supported', text: 'Unknown search parameter: _sort' },
    ]);
  });
});
