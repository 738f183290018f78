import { readFileSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { DEFAULT_CATALOG } from '../../shared/catalog/vital-signs';
import { createIngest } from '../ingest/hl7/pipeline';
import { FIXTURES } from '../ingest/hl7/fixtures-path';
import { IngestRepository } from '../ingest/hl7/repository';
import { silentLogger } from '../ingest/hl7/test-support';
import type { Db } from '../store/database';
import { storeSeries } from '../deid/test-fixtures';

/**
 * Source data for the privacy tests: the shared FHIR patients (full demographics) and HL7 v2
 * messages, loaded into a real store by the ingest's own code, and the list of every identifying
 * string and date in them that must never reach an export.
 */
export const FHIR_DIR = resolve(FIXTURES, '..', 'fhir');

interface FhirPatient {
  id: string;
  identifier?: { system?: string; value?: string; type?: { coding?: { code?: string }[] } }[];
  name?: { family?: string; given?: string[]; text?: string }[];
  gender?: string;
  birthDate?: string;
  address?: { postalCode?: string }[];
}

export function fhirPatients(): { file: string; resource: FhirPatient; text: string }[] {
  const out: { file: string; resource: FhirPatient; text: string }[] = [];
  for (const line of readFileSync(join(FHIR_DIR, 'synthea-10-patients', 'Patient.000.ndjson'), 'utf8').split(
    '\n',
  )) {
    if (line.trim())
      out.push({ file: 'Patient.000.ndjson', resource: JSON.parse(line) as FhirPatient, text: line });
  }
  for (const name of readdirSync(join(FHIR_DIR, 'r4-spec')).filter((n) => n.startsWith('Patient-'))) {
    const text = readFileSync(join(FHIR_DIR, 'r4-spec', name), 'utf8');
    out.push({ file: name, resource: JSON.parse(text) as FhirPatient, text });
  }
  return out;
}

/**
 * The FHIR patients, stored through the ingest repository (issue 6's importer is not composed
 * yet; its mapping ends in the same patient tables), each with a series of vitals so that every
 * one of them is in the exports.
 */
export function loadFhirPatients(db: Db, start: number): number[] {
  const repo = new IngestRepository(db);
  const ids: number[] = [];
  fhirPatients().forEach(({ resource: p }, n) => {
    const identifiers = (p.identifier ?? [])
      .filter((i) => i.value)
      .map((i) => ({
        system: i.system ?? 'urn:unknown',
        value: i.value!,
        type: i.type?.coding?.[0]?.code ?? '',
      }));
    identifiers.push({ system: 'urn:fhir-test', value: p.id, type: 'FHIR' });
    const name = p.name?.[0];
    const id = db.transaction(() =>
      repo.resolvePatient(
        {
          identifiers,
          family: name?.family,
          given: name?.given?.join(' '),
          birthDate: p.birthDate,
          sex: p.gender,
          unit: n % 2 ? 'Medical ICU' : 'Ward 3',
          room: `R${n}`,
          bed: `B${n}`,
        },
        0,
        start,
      ),
    )();
    const zip = p.address?.find((a) => a.postalCode)?.postalCode;
    if (zip) db.prepare('INSERT OR REPLACE INTO patient_zip (patient_id, zip) VALUES (?, ?)').run(id, zip);
    storeSeries(
      db,
      id,
      'hr',
      start + n * 977,
      90,
      15_000 + n * 31,
      (i) => 60 + ((i * 7 + n) % 50),
      `SERIAL-FHIR-${p.id}`,
    );
    storeSeries(db, id, 'spo2', start + n * 433, 40, 30_000, (i) => 91 + ((i + n) % 9));
    ids.push(id);
  });
  return ids;
}

/** Every shared HL7 v2 message through the real ingest pipeline (what it stores is what it stores). */
export async function loadHl7Corpus(db: Db): Promise<{ files: string[]; raw: Map<string, string> }> {
  const ingest = createIngest({ db, catalog: DEFAULT_CATALOG, logger: silentLogger() });
  const files = readdirSync(FIXTURES).filter((f) => f.endsWith('.hl7'));
  const raw = new Map<string, string>();
  for (const [i, file] of files.entries()) {
    const bytes = readFileSync(join(FIXTURES, file));
    raw.set(file, bytes.toString('latin1'));
    const acks = ingest.receive(bytes, { id: i + 1, remote: '127.0.0.1:1' });
    ingest.flush();
    await acks;
  }
  return { files, raw };
}

/** Dates in every form an output could spell them (ISO, basic, US). */
export function dateForms(date: string): string[] {
  const m = /^(\d{4})-?(\d{2})-?(\d{2})/.exec(date);
  if (!m) return [];
  const [, y, mo, d] = m;
  return [`${y}-${mo}-${d}`, `${y}${mo}${d}`, `${mo}/${d}/${y}`];
}

const IDENTIFYING_KEYS = new Set([
  'family',
  'given',
  'prefix',
  'suffix',
  'line',
  'city',
  'district',
  'postalCode',
  'value', // identifier and telecom values
  'valueString', // mothersMaidenName and other extensions
  'text',
]);

/** Identifying strings of one FHIR resource (names, identifiers, addresses, contacts, dates). */
export function fhirNeedles(resource: unknown): string[] {
  const out: string[] = [];
  const walk = (node: unknown, key: string | undefined) => {
    if (typeof node === 'string') {
      if (key === 'birthDate' || key === 'deceasedDateTime') out.push(...dateForms(node));
      else if (key && IDENTIFYING_KEYS.has(key)) out.push(node);
      return;
    }
    if (Array.isArray(node)) for (const n of node) walk(n, key);
    else if (node && typeof node === 'object') {
      for (const [k, v] of Object.entries(node)) if (k !== 'meta' && k !== 'div') walk(v, k);
    }
  };
  walk(resource, undefined);
  return out;
}

/**
 * Identifying strings of an HL7 v2 message: every component of PID, NK1, PV1, GT1, IN1 and
 * Z segments (names, identifiers, dates of birth, addresses, phones, SSNs, locations) and OBX-18
 * (device identifiers, EUI-64s, IP addresses).
 */
export function hl7Needles(message: string): string[] {
  const out: string[] = [];
  const fieldSep = message[3] ?? '|';
  for (const segment of message.split(/\r\n|\r|\n/)) {
    const id = segment.slice(0, 3);
    const fields = segment.split(fieldSep);
    const take = (f: string) => {
      for (const part of f.split(/[\^~&\\}]/)) {
        const t = part.trim();
        if (/^\d{8}/.test(t)) out.push(...dateForms(t));
        out.push(t);
      }
    };
    if (['PID', 'NK1', 'PV1', 'GT1', 'IN1'].includes(id) || id.startsWith('Z')) fields.slice(1).forEach(take);
    if (id === 'OBX' && fields[18]) take(fields[18]);
  }
  return out;
}

/**
 * Strings too generic to mean a person (codes, single words that any dataset contains). Kept
 * short and explicit so the scan can't be made to pass by growing it.
 */
const GENERIC = new Set([
  // Assigning authorities (CX-4): organisations, not people ("NIST" is also inside "administrative").
  'NIST',
  'home',
  'work',
  'mobile',
  'phone',
  'email',
  'official',
  'usual',
  'temp',
  'male',
  'female',
  'other',
  'unknown',
  'MDC_DEV_ANALY_SAT_O2_VMD',
  'EUI-64',
  'UCUM',
  'final',
  'USA',
  'Male',
  'Female',
]);

/** Needles worth scanning for: at least 4 characters, not a generic code word. */
export function meaningful(needles: Iterable<string>): string[] {
  return [...new Set(needles)].filter((n) => n.length >= 4 && !GENERIC.has(n) && !/^\s*$/.test(n));
}
