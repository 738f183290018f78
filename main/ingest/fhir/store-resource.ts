import type { z } from 'zod';
import type { FhirSyncCounts } from '../../../shared/api/fhir';
import type { VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { Json } from './connection';
import type { FhirRepository, ResourceKey } from './fhir-repository';
import {
  describeIssues,
  deviceIdentifier,
  deviceSchema,
  encounterSchema,
  locationKind,
  locationSchema,
  mapObservation,
  mapPatient,
  observationSchema,
  patientSchema,
  referenceId,
} from './mapping';
import type { FhirSource } from './source-store';

/** What storing one page needs; `referenced` holds Patients/Devices read by id for this page. */
export interface PageContext {
  readonly source: FhirSource;
  readonly repo: FhirRepository;
  readonly catalog: VitalCatalog;
  readonly counts: FhirSyncCounts;
  readonly now: number;
  readonly referenced: Map<string, { resource?: Json; missing?: string }>;
}

const SCHEMAS = {
  Patient: patientSchema,
  Observation: observationSchema,
  Device: deviceSchema,
  Location: locationSchema,
  Encounter: encounterSchema,
} as const;

type Parsed<T extends keyof typeof SCHEMAS> = z.infer<(typeof SCHEMAS)[T]>;

/**
 * Stores one resource (inside the page's transaction): validated, compared with the version
 * already stored (same source + type + id + versionId → unchanged), mapped. A resource that
 * fails validation or can't be linked goes to the quarantine with the reason; the page goes on.
 */
export function storeResource(ctx: PageContext, raw: Json): void {
  const { repo, source, counts, now } = ctx;
  const type = String(raw.resourceType) as keyof typeof SCHEMAS;
  const schema = SCHEMAS[type];
  const rawId = typeof raw.id === 'string' ? raw.id : null;
  const rawMeta = raw.meta as { versionId?: string; lastUpdated?: string } | undefined;
  const quarantine = (reason: string) => {
    if (
      repo.quarantine(source.id, { type, id: rawId, versionId: rawMeta?.versionId ?? null, reason, raw }, now)
    )
      counts.quarantined++;
  };
  if (!schema) return quarantine(`${type} is not a resource type this sync imports`);
  const parsed = schema.safeParse(raw);
  if (!parsed.success) return quarantine(describeIssues(parsed.error));
  const r = parsed.data;
  const key: ResourceKey = { sourceId: source.id, type, id: r.id };
  // A server without versionId still changes meta.lastUpdated with every version.
  const versionId = r.meta?.versionId ?? r.meta?.lastUpdated ?? null;
  const lastUpdated = r.meta?.lastUpdated ?? null;
  const existing = repo.find(key);
  if (existing && versionId !== null && existing.versionId === versionId) {
    counts.unchanged++;
    return;
  }
  const record = (status: string | null, patientId: number | null, deviceId: number | null) =>
    repo.upsert(key, { versionId, lastUpdated, status, patientId, deviceId }, now);

  switch (type) {
    case 'Location': {
      const l = r as Parsed<'Location'>;
      repo.upsertLocation(
        source.id,
        l.id,
        l.name ?? null,
        locationKind(l) ?? null,
        referenceId(l.partOf, 'Location') ?? null,
      );
      record(null, null, null);
      counts.stored++;
      return;
    }
    case 'Patient': {
      const patientId = repo.resolvePatient(
        mapPatient(r as Parsed<'Patient'>),
        existing?.patientId ?? null,
        now,
      );
      record(null, patientId, null);
      counts.stored++;
      return;
    }
    case 'Device': {
      const d = r as Parsed<'Device'>;
      const { identifier, kind } = deviceIdentifier(d, `${source.baseUrl}/Device/${d.id}`);
      record(null, null, repo.upsertDevice(identifier, kind, now));
      counts.stored++;
      return;
    }
    case 'Encounter': {
      const e = r as Parsed<'Encounter'>;
      const patient = subjectPatient(ctx, e.subject);
      if (typeof patient === 'string') return quarantine(patient);
      // Bed context: where an encounter in progress says the patient is now.
      if (e.status === 'in-progress' || e.status === 'arrived') {
        // The active location whose period is still open, else the last active one listed.
        const active = (e.location ?? []).filter((l) => !l.status || l.status === 'active');
        const current = active.find((l) => !l.period?.end) ?? active.at(-1);
        const where = current
          ? placeOf(ctx, referenceId(current.location, 'Location'), current.location.display)
          : undefined;
        if (where) repo.setPatientLocation(patient, where, now);
      }
      record(e.status, patient, null);
      counts.stored++;
      return;
    }
    case 'Observation': {
      const o = r as Parsed<'Observation'>;
      const mapped = mapObservation(o, ctx.catalog);
      if (mapped.kind === 'invalid') return quarantine(mapped.reason);
      if (mapped.kind === 'retract') {
        const row = existing?.id ?? record(o.status, null, null);
        repo.retract(row, o.status, versionId, lastUpdated, now);
        counts.retracted++;
        return;
      }
      if (mapped.kind === 'skip') {
        if (existing) repo.dropObservations(existing.id);
        record(o.status, existing?.patientId ?? null, null);
        counts.skipped++;
        return;
      }
      const patient = subjectPatient(ctx, o.subject);
      if (typeof patient === 'string') return quarantine(patient);
      const deviceId = observationDevice(ctx, o.device);
      if (existing) repo.dropObservations(existing.id);
      const row = record(o.status, patient, deviceId);
      repo.insertObservations(row, mapped.rows, { patientId: patient, deviceId }, now);
      counts.stored++;
      counts.observations += mapped.rows.length;
      return;
    }
    default: {
      const never: never = type;
      return quarantine(`unexpected resource type ${String(never)}`);
    }
  }
}

/** subject → patient id: this source's Patient by reference, else by identifier; or why not. */
function subjectPatient(
  ctx: PageContext,
  subject:
    | {
        reference?: string | undefined;
        identifier?: { system?: string | undefined; value?: string | undefined } | undefined;
      }
    | undefined,
): number | string {
  const { repo, source } = ctx;
  const id = referenceId(subject, 'Patient');
  if (id) {
    const row = repo.find({ sourceId: source.id, type: 'Patient', id });
    if (row?.patientId != null) return row.patientId;
    const missing = ctx.referenced.get(`Patient/${id}`)?.missing;
    return `subject Patient/${id}: ${missing ?? 'not imported (it failed validation or is not readable)'}`;
  }
  const ident = subject?.identifier;
  if (ident?.system && ident.value) {
    const patientId = repo.resolvePatientByIdentifier(ident.system, ident.value);
    if (patientId !== undefined) return patientId;
    return `subject: no patient with identifier ${ident.system}|${ident.value} is known`;
  }
  return subject?.reference
    ? `subject ${subject.reference} is not a Patient`
    : 'subject: missing (an observation must name its patient)';
}

/** device → devices row: the imported Device, else a device named by its reference (e.g. a DeviceMetric). */
function observationDevice(
  ctx: PageContext,
  device: { reference?: string | undefined; display?: string | undefined } | undefined,
): number | null {
  const { repo, source, now } = ctx;
  const id = referenceId(device, 'Device');
  if (id) {
    const row = repo.find({ sourceId: source.id, type: 'Device', id });
    if (row?.deviceId != null) return row.deviceId;
  }
  const ref = device?.reference;
  if (!ref) return null;
  const absolute = /^https?:/.test(ref) ? ref : `${source.baseUrl}/${ref}`;
  return repo.upsertDevice(absolute, ref.split('/').at(-2), now);
}

/**
 * A Location → unit/room/bed by walking partOf (bed → room → ward), with the physical types of
 * http://terminology.hl7.org/CodeSystem/location-physical-type; a location without a type is the unit.
 */
function placeOf(
  ctx: PageContext,
  locationId: string | undefined,
  display: string | undefined,
): { unit: string | null; room: string | null; bed: string | null } | undefined {
  const place = { unit: null as string | null, room: null as string | null, bed: null as string | null };
  let id = locationId;
  for (let depth = 0; id && depth < 6; depth++) {
    const loc = ctx.repo.location(ctx.source.id, id);
    if (!loc) break;
    const name = loc.name;
    if (loc.kind === 'bd') place.bed ??= name;
    else if (loc.kind === 'ro') place.room ??= name;
    else if (loc.kind === 'wa' || loc.kind === 'wi' || loc.kind === 'lvl' || !loc.kind) place.unit ??= name;
    id = loc.partOf ?? undefined;
  }
  if (!place.unit && !place.room && !place.bed) {
    if (!display) return undefined;
    place.unit = display;
  }
  return place;
}
