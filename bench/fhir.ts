/**
 * FHIR import benchmark: resources per second a sync imports from a real FHIR R4 server on
 * loopback (Medplum's router and in-memory repository, main/ingest/fhir/testing) loaded with
 * Synthea's patients, devices, encounters and locations, plus vital-sign Observations generated
 * for those patients (the Synthea corpus here has none; see ../shared/data/fhir/README.md), into
 * the encrypted store. Full run from empty, then an incremental run after updating and adding
 * Observations on the server.
 *
 *   npm run bench -- fhir            13 patients × 1,000 Observations, pages of 500
 *   npm run bench -- fhir --quick    13 patients × 150 Observations (under a minute)
 *
 * Prints one JSON object as its last line.
 */
import type { Observation, Resource } from '@medplum/fhirtypes';
import { DEFAULT_CATALOG } from '../shared/catalog/vital-signs';
import { createLogger } from '../main/log/logger';
import { runSync } from '../main/ingest/fhir/sync';
import { SourceStore } from '../main/ingest/fhir/source-store';
import { syntheaResources } from '../main/ingest/fhir/testing/corpus';
import { startFhirTestServer } from '../main/ingest/fhir/testing/fhir-test-server';
import { startTestNode } from '../main/testing/test-node';

const quick = process.argv.includes('--quick');
const PER_PATIENT = quick ? 150 : 1_000;
const PAGE = 500;
const VITALS = [
  ['8867-4', 'Heart rate', '/min', 60, 40],
  ['59408-5', 'SpO2', '%', 92, 8],
  ['9279-1', 'Respiratory rate', '/min', 12, 10],
  ['8310-5', 'Body temperature', 'Cel', 36.2, 1.5],
] as const;

function vital(patientId: string, i: number, at: number): Observation {
  const [code, display, unit, base, spread] = VITALS[i % VITALS.length] ?? VITALS[0];
  return {
    resourceType: 'Observation',
    status: 'final',
    category: [
      {
        coding: [
          { system: 'http://terminology.hl7.org/CodeSystem/observation-category', code: 'vital-signs' },
        ],
      },
    ],
    code: { coding: [{ system: 'http://loinc.org', code, display }] },
    subject: { reference: `Patient/${patientId}` },
    effectiveDateTime: new Date(at).toISOString(),
    valueQuantity: {
      value: Math.round((base + ((i * 7919) % 100) * (spread / 100)) * 10) / 10,
      unit,
      system: 'http://unitsofmeasure.org',
      code: unit,
    },
    meta: { lastUpdated: new Date(at).toISOString() },
  };
}

async function main(): Promise<void> {
  const server = await startFhirTestServer();
  const { node, cleanup } = await startTestNode();
  try {
    const base = Date.UTC(2025, 0, 1);
    const context: Resource[] = ['Location', 'Patient', 'Device', 'Encounter'].flatMap((t) =>
      syntheaResources(t),
    );
    const patients = context.filter((r) => r.resourceType === 'Patient').map((r) => r.id ?? '');
    let t = base;
    const seedStart = performance.now();
    await server.seed(
      context.map((r) => ({ ...r, meta: { ...r.meta, lastUpdated: new Date((t += 1000)).toISOString() } })),
    );
    const observations: Observation[] = [];
    for (let i = 0; i < PER_PATIENT; i++)
      for (const p of patients) observations.push(vital(p, observations.length, (t += 1000)));
    const stored = (await server.seed(observations)) as Observation[];
    const seedSeconds = (performance.now() - seedStart) / 1000;

    const sources = new SourceStore(node.store.db);
    const id = sources.add({
      name: 'bench',
      baseUrl: server.baseUrl,
      auth: { kind: 'none' },
      resources: ['Location', 'Patient', 'Device', 'Encounter', 'Observation'],
      intervalSeconds: null,
      pageSize: PAGE,
      enabled: true,
    });
    const deps = { db: node.store.db, catalog: DEFAULT_CATALOG, logger: createLogger({ level: 'silent' }) };

    let busy = server.busy.ms;
    const fullStart = performance.now();
    const full = await runSync(sources.require(id), deps);
    const fullSeconds = (performance.now() - fullStart) / 1000;
    const fullServer = (server.busy.ms - busy) / 1000;
    if (full.outcome !== 'ok') throw new Error(`full sync: ${full.outcome} ${full.message}`);

    // 5 % of the Observations get a new version, and 5 % more are added.
    const changed = Math.round(stored.length * 0.05);
    for (let i = 0; i < changed; i++) {
      const o = stored[i * 20];
      if (o) await server.repo.updateResource({ ...o, valueQuantity: { ...o.valueQuantity, value: 1 + i } });
    }
    await server.seed(
      Array.from({ length: changed }, (_, i) => {
        const o = vital(patients[i % patients.length] ?? '', i, Date.now() - 60_000 + i);
        delete o.meta;
        return o;
      }),
    );
    busy = server.busy.ms;
    const incStart = performance.now();
    const inc = await runSync(sources.require(id), deps);
    const incSeconds = (performance.now() - incStart) / 1000;
    const incServer = (server.busy.ms - busy) / 1000;
    if (inc.outcome !== 'ok') throw new Error(`incremental sync: ${inc.outcome} ${inc.message}`);

    console.log(
      JSON.stringify({
        bench: 'fhir',
        quick,
        serverResources: context.length + stored.length,
        pageSize: PAGE,
        seedSeconds: Math.round(seedSeconds * 10) / 10,
        full: {
          fetched: full.counts.fetched,
          stored: full.counts.stored,
          observations: full.counts.observations,
          pages: full.counts.pages,
          seconds: Math.round(fullSeconds * 100) / 100,
          resourcesPerSec: Math.round(full.counts.fetched / fullSeconds),
          serverSeconds: Math.round(fullServer * 100) / 100,
          // The node's side alone: wall time minus the time the server spent answering.
          nodeResourcesPerSec: Math.round(full.counts.fetched / Math.max(0.001, fullSeconds - fullServer)),
        },
        incremental: {
          fetched: inc.counts.fetched,
          stored: inc.counts.stored,
          unchanged: inc.counts.unchanged,
          pages: inc.counts.pages,
          seconds: Math.round(incSeconds * 100) / 100,
          resourcesPerSec: Math.round(inc.counts.fetched / incSeconds),
          serverSeconds: Math.round(incServer * 100) / 100,
          nodeResourcesPerSec: Math.round(inc.counts.fetched / Math.max(0.001, incSeconds - incServer)),
        },
      }),
    );
  } finally {
    await server.close();
    await cleanup();
  }
}

await main();
