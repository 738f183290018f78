import type { Observation, Resource } from '@medplum/fhirtypes';
import type { FhirResourceType, FhirSyncResult } from '../../../../shared/api/fhir';
import { DEFAULT_CATALOG } from '../../../../shared/catalog/vital-signs';
import type { Db } from '../../../store/database';
import { createLogger } from '../../../log/logger';
import type { RetryPolicy } from '../connection';
import { SourceStore, type FhirSource } from '../source-store';
import { runSync, type SyncProgressInfo } from '../sync';
import { specResources, syntheaResources } from './corpus';
import type { FhirTestServer } from './fhir-test-server';

/** Fast retries for tests that exhaust them; Retry-After still wins when the server sends it. */
export const FAST_RETRY: RetryPolicy = { attempts: 3, baseMs: 20, maxMs: 5_000 };

/**
 * The whole corpus onto the server, each resource with its own `meta.lastUpdated` one second
 * apart (Medplum keeps a client-supplied one on create), so cursors and page boundaries are
 * deterministic.
 */
export async function seedCorpus(server: FhirTestServer, base = Date.UTC(2025, 0, 1)): Promise<Resource[]> {
  const all: Resource[] = [
    ...specResources('Location'),
    ...syntheaResources('Location'),
    ...specResources('Patient'),
    ...syntheaResources('Patient'),
    ...specResources('Device'),
    ...syntheaResources('Device'),
    ...specResources('Encounter'),
    ...syntheaResources('Encounter'),
    ...specResources('Observation'),
  ];
  return server.seed(
    all.map((r, i) => ({ ...r, meta: { ...r.meta, lastUpdated: new Date(base + i * 1000).toISOString() } })),
  );
}

export function addSource(
  db: Db,
  server: FhirTestServer,
  options: { name?: string; pageSize?: number; resources?: FhirResourceType[] } = {},
): FhirSource {
  const store = new SourceStore(db);
  const id = store.add({
    name: options.name ?? 'EHR',
    baseUrl: server.baseUrl,
    auth: { kind: 'none' },
    resources: options.resources ?? ['Location', 'Patient', 'Device', 'Encounter', 'Observation'],
    intervalSeconds: null,
    pageSize: options.pageSize ?? 100,
    enabled: true,
  });
  return store.require(id);
}

export async function sync(
  db: Db,
  source: FhirSource,
  options: { retry?: RetryPolicy; progress?: SyncProgressInfo[] } = {},
): Promise<FhirSyncResult> {
  return runSync(new SourceStore(db).require(source.id), {
    db,
    catalog: DEFAULT_CATALOG,
    logger: createLogger({ level: 'silent' }),
    retry: options.retry ?? FAST_RETRY,
    onProgress: (p) => options.progress?.push(p),
  });
}

export interface StoredObservation {
  resourceId: string;
  code: string;
  codeSystem: string;
  sourceCode: string;
  valueNum: number | null;
  valueText: string | null;
  unit: string | null;
  observedAt: number;
  patientId: number;
  device: string | null;
  bpGroup: string | null;
  status: string | null;
}

/** The observations a source stored, joined back to the FHIR resource each came from. */
export function storedObservations(db: Db, sourceId: number): StoredObservation[] {
  return db
    .prepare(
      `SELECT r.resource_id AS resourceId, o.code, o.code_system AS codeSystem, o.source_code AS sourceCode,
       o.value_num AS valueNum, o.value_text AS valueText, o.unit, o.observed_at AS observedAt,
       o.patient_id AS patientId, d.identifier AS device, o.bp_group AS bpGroup, o.status
       FROM fhir_resources r JOIN fhir_observation_rows l ON l.resource_row = r.id
       JOIN observations o ON o.id = l.observation_id LEFT JOIN devices d ON d.id = o.device_id
       WHERE r.source_id = ? ORDER BY r.resource_id, o.code`,
    )
    .all(sourceId) as StoredObservation[];
}

/** An Observation as the server holds it, by id (for comparing stored values with the source). */
export async function serverObservation(server: FhirTestServer, id: string): Promise<Observation> {
  return server.repo.readResource<Observation>('Observation', id);
}
