import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Resource } from '@medplum/fhirtypes';

const here = dirname(fileURLToPath(import.meta.url));

/**
 * The shared FHIR R4 corpus: the official R4 examples (CC0) and Synthea's 10-patient bulk export
 * (see its README). CI checks out ../shared beside the project, as on the development machines.
 */
export const FHIR_CORPUS = resolve(here, '../../../../../shared/data/fhir');

export function corpusAvailable(): boolean {
  return existsSync(join(FHIR_CORPUS, 'r4-spec'));
}

/** One R4 example by file name without `.json`, e.g. `Observation-heart-rate`. */
export function specResource<T extends Resource = Resource>(name: string): T {
  return JSON.parse(readFileSync(join(FHIR_CORPUS, 'r4-spec', `${name}.json`), 'utf8')) as T;
}

/** Every R4 example of one type. */
export function specResources(type: string): Resource[] {
  return readdirSync(join(FHIR_CORPUS, 'r4-spec'))
    .filter((f) => f.startsWith(`${type}-`) && f.endsWith('.json'))
    .sort()
    .map((f) => specResource(f.slice(0, -'.json'.length)));
}

/** Synthea NDJSON of one type (Patient, Device, Encounter, Location, …). */
export function syntheaResources(type: string): Resource[] {
  const file = readdirSync(join(FHIR_CORPUS, 'synthea-10-patients')).find(
    (f) => f.startsWith(`${type}.`) && f.endsWith('.ndjson'),
  );
  if (!file) return [];
  return readFileSync(join(FHIR_CORPUS, 'synthea-10-patients', file), 'utf8')
    .split('\n')
    .filter((line) => line.trim() !== '')
    .map((line) => JSON.parse(line) as Resource);
}
