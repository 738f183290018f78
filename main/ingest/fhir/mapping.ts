import { z } from 'zod';
import { codeSystemKind, type VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { ObservationValue } from '../store-sql';

/**
 * FHIR R4 resources → the node's domain (the same patients, devices and observations HL7 ingest
 * writes). Pure functions: validation with zod, then mapping; a resource that fails validation is
 * reported with the reason so the sync can quarantine it and go on with the page.
 * @see https://hl7.org/fhir/R4/observation-vitalsigns.html
 */

const coding = z.object({
  system: z.string().optional(),
  code: z.string().optional(),
  display: z.string().optional(),
});
const codeableConcept = z.object({ coding: z.array(coding).optional(), text: z.string().optional() });
const reference = z.object({
  reference: z.string().optional(),
  identifier: z.object({ system: z.string().optional(), value: z.string().optional() }).optional(),
  display: z.string().optional(),
});
const quantity = z.object({
  value: z.number().optional(),
  unit: z.string().optional(),
  system: z.string().optional(),
  code: z.string().optional(),
});
const meta = z.object({ versionId: z.string().optional(), lastUpdated: z.string().optional() }).optional();
const identifier = z.object({
  system: z.string().optional(),
  value: z.string().optional(),
  type: codeableConcept.optional(),
});
const id = z.string().regex(/^[A-Za-z0-9\-.]{1,64}$/, 'a FHIR id (1–64 letters, digits, - and .)');

/** FHIR dateTime/instant: a date alone, or a time with a zone. @see https://hl7.org/fhir/R4/datatypes.html#dateTime */
const fhirDateTime = z
  .string()
  .regex(
    /^\d{4}(-\d{2}(-\d{2}(T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2}))?)?)?$/,
    'a FHIR dateTime (YYYY-MM-DD or YYYY-MM-DDThh:mm:ss+zz:zz)',
  );

const valueFields = {
  valueQuantity: quantity.optional(),
  valueCodeableConcept: codeableConcept.optional(),
  valueString: z.string().optional(),
  valueInteger: z.number().optional(),
  valueBoolean: z.boolean().optional(),
  valueSampledData: z.object({}).loose().optional(),
  dataAbsentReason: codeableConcept.optional(),
};

export const observationSchema = z
  .object({
    resourceType: z.literal('Observation'),
    id,
    meta,
    status: z.enum([
      'registered',
      'preliminary',
      'final',
      'amended',
      'corrected',
      'cancelled',
      'entered-in-error',
      'unknown',
    ]),
    category: z.array(codeableConcept).optional(),
    code: codeableConcept,
    subject: reference.optional(),
    effectiveDateTime: fhirDateTime.optional(),
    effectiveInstant: fhirDateTime.optional(),
    effectivePeriod: z.object({ start: fhirDateTime.optional(), end: fhirDateTime.optional() }).optional(),
    device: reference.optional(),
    interpretation: z.array(codeableConcept).optional(),
    component: z.array(z.object({ code: codeableConcept, ...valueFields }).loose()).optional(),
    hasMember: z.array(reference).optional(),
    ...valueFields,
  })
  .loose();
export type FhirObservation = z.infer<typeof observationSchema>;

export const patientSchema = z
  .object({
    resourceType: z.literal('Patient'),
    id,
    meta,
    identifier: z.array(identifier).optional(),
    name: z
      .array(
        z.object({
          use: z.string().optional(),
          family: z.string().optional(),
          given: z.array(z.string()).optional(),
        }),
      )
      .optional(),
    gender: z.enum(['male', 'female', 'other', 'unknown']).optional(),
    address: z
      .array(z.object({ use: z.string().optional(), postalCode: z.string().optional() }).loose())
      .optional(),
    birthDate: z
      .string()
      .regex(/^\d{4}(-\d{2}(-\d{2})?)?$/, 'a FHIR date')
      .optional(),
  })
  .loose();

export const deviceSchema = z
  .object({
    resourceType: z.literal('Device'),
    id,
    meta,
    identifier: z.array(identifier).optional(),
    type: codeableConcept.optional(),
    deviceName: z.array(z.object({ name: z.string().optional() })).optional(),
    patient: reference.optional(),
  })
  .loose();

export const locationSchema = z
  .object({
    resourceType: z.literal('Location'),
    id,
    meta,
    name: z.string().optional(),
    physicalType: codeableConcept.optional(),
    partOf: reference.optional(),
  })
  .loose();

export const encounterSchema = z
  .object({
    resourceType: z.literal('Encounter'),
    id,
    meta,
    status: z.string(),
    subject: reference.optional(),
    location: z
      .array(
        z.object({
          location: reference,
          status: z.string().optional(),
          period: z.object({ end: z.string().optional() }).optional(),
        }),
      )
      .optional(),
  })
  .loose();

/** A zod failure as one line: where in the resource, and what is wrong. */
export function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 5)
    .map((i) => `${i.path.join('.') || '(resource)'}: ${i.message}`)
    .join('; ');
}

/** "Patient/123" or an absolute URL ending in Patient/123 → the id, if it names that type. */
export function referenceId(
  ref: { reference?: string | undefined } | undefined,
  type: string,
): string | undefined {
  const m = ref?.reference?.match(new RegExp(`(?:^|/)${type}/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]+)?$`));
  return m?.[1];
}

/** FHIR dateTime → epoch ms (UTC). A date alone is read as its start in UTC. */
export function parseFhirTime(value: string): number | undefined {
  const full = /^\d{4}$/.test(value) ? `${value}-01-01` : /^\d{4}-\d{2}$/.test(value) ? `${value}-01` : value;
  const ms = Date.parse(/^\d{4}-\d{2}-\d{2}$/.test(full) ? `${full}T00:00:00Z` : full);
  return Number.isNaN(ms) ? undefined : ms;
}

export interface MappedFhirPatient {
  readonly identifiers: readonly { system: string; value: string; type: string }[];
  readonly family: string | undefined;
  readonly given: string | undefined;
  readonly birthDate: string | undefined;
  /** PID-8 letters, as HL7 ingest stores them. */
  readonly sex: string | undefined;
  /** The home address's postal code; only its ZIP3 ever leaves the node (Safe Harbor (B)). */
  readonly zip: string | undefined;
}

const SEX = { male: 'M', female: 'F', other: 'O', unknown: 'U' } as const;

export function mapPatient(p: z.infer<typeof patientSchema>): MappedFhirPatient {
  const name =
    p.name?.find((n) => n.use === 'official') ?? p.name?.find((n) => n.use !== 'maiden') ?? p.name?.[0];
  return {
    // Only identifiers with both a system and a value can match across sources (FHIR R4 §2.24.0.6).
    identifiers: (p.identifier ?? [])
      .filter((i): i is typeof i & { system: string; value: string } => !!i.system && !!i.value)
      .map((i) => ({ system: i.system, value: i.value, type: i.type?.coding?.[0]?.code ?? '' })),
    family: name?.family,
    given: name?.given?.join(' ') || undefined,
    birthDate: p.birthDate,
    sex: p.gender ? SEX[p.gender] : undefined,
    zip: homePostalCode(p.address),
  };
}

/** The home address's postal code, else the first address that has one (old and temp addresses last). */
function homePostalCode(addresses: z.infer<typeof patientSchema>['address']): string | undefined {
  const withCode = (addresses ?? []).filter((a) => a.postalCode?.trim());
  const pick =
    withCode.find((a) => a.use === 'home') ??
    withCode.find((a) => a.use !== 'old' && a.use !== 'temp') ??
    withCode[0];
  return pick?.postalCode?.trim();
}

/** The devices table's identifier for a FHIR Device: its first identifier, else the source reference. */
export function deviceIdentifier(
  d: z.infer<typeof deviceSchema>,
  sourceRef: string,
): { identifier: string; kind: string | undefined } {
  const ident = d.identifier?.find((i) => i.value);
  const kind = d.type?.text ?? d.type?.coding?.[0]?.display ?? d.deviceName?.[0]?.name;
  return {
    identifier: ident?.value ? (ident.system ? `${ident.system}|${ident.value}` : ident.value) : sourceRef,
    kind,
  };
}

/** Location.physicalType codes. @see http://terminology.hl7.org/CodeSystem/location-physical-type */
export function locationKind(l: z.infer<typeof locationSchema>): string | undefined {
  return l.physicalType?.coding?.[0]?.code;
}

/** One row for the observations table, before patient and device ids are known. */
export interface MappedFhirObservation extends ObservationValue {
  readonly valueType: 'NM' | 'ST' | 'CWE';
  /** Ties the components of one Observation (blood pressure) together. */
  readonly grouped: boolean;
  /** Always set: Observation.status is required. */
  readonly status: string;
}

/** FHIR Observation.status → the OBX-11 letter HL7 ingest stores. @see HL7 v2 table 0085 */
const STATUS = {
  final: 'F',
  amended: 'C',
  corrected: 'C',
  preliminary: 'P',
  registered: 'I',
  unknown: 'U',
} as const;

export type ObservationMapping =
  | { kind: 'rows'; rows: MappedFhirObservation[]; skippedParts: number }
  | { kind: 'retract' }
  | { kind: 'skip'; reason: string }
  | { kind: 'invalid'; reason: string };

type Coded = {
  coding?: { system?: string | undefined; code?: string | undefined }[] | undefined;
  text?: string | undefined;
};

/** Catalog match from any coding (LOINC, MDC, local), else the first coding kept as received. */
function resolveCode(
  concept: Coded,
  catalog: VitalCatalog,
):
  | { code: string; codeSystem: string; sourceCode: string; vitalUcum: string | undefined; bp: boolean }
  | undefined {
  const codings = (concept.coding ?? []).filter((c) => c.code);
  for (const c of codings) {
    const kind = codeSystemKind(c.system);
    const match = catalog.lookup(c.code ?? '', kind === 'mdc' ? 'MDC' : c.system);
    if (match)
      return {
        code: match.vital.id,
        codeSystem: 'vitalmesh',
        sourceCode: `${c.system ?? ''}|${c.code}`,
        vitalUcum: match.vital.ucum,
        bp: match.vital.bp !== undefined,
      };
  }
  const first = codings[0];
  if (first?.code)
    return {
      code: first.code,
      codeSystem: first.system ?? 'local',
      sourceCode: `${first.system ?? ''}|${first.code}`,
      vitalUcum: undefined,
      bp: false,
    };
  if (concept.text)
    return {
      code: concept.text.slice(0, 64),
      codeSystem: 'text',
      sourceCode: `|${concept.text}`,
      vitalUcum: undefined,
      bp: false,
    };
  return undefined;
}

/** A value[x] → value columns; undefined when there is no value (dataAbsentReason, SampledData). */
function mapValue(
  v: {
    valueQuantity?: z.infer<typeof quantity> | undefined;
    valueCodeableConcept?: Coded | undefined;
    valueString?: string | undefined;
    valueInteger?: number | undefined;
    valueBoolean?: boolean | undefined;
  },
  catalog: VitalCatalog,
  vitalUcum: string | undefined,
): Pick<MappedFhirObservation, 'valueType' | 'valueNum' | 'valueText' | 'unit'> | undefined {
  const q = v.valueQuantity;
  if (q?.value !== undefined) {
    // UCUM from valueQuantity.system/code; an MDC-coded unit through the catalog; else the text.
    let unit: string | undefined;
    const kind = codeSystemKind(q.system);
    if (q.code && q.system === 'http://unitsofmeasure.org') unit = catalog.unitToUcum(q.code) ?? q.code;
    else if (q.code && kind === 'mdc') unit = catalog.unitToUcum(q.code, 'MDC') ?? `${q.system}|${q.code}`;
    else unit = q.code ?? q.unit ?? vitalUcum;
    return { valueType: 'NM', valueNum: q.value, valueText: undefined, unit };
  }
  if (v.valueInteger !== undefined)
    return { valueType: 'NM', valueNum: v.valueInteger, valueText: undefined, unit: vitalUcum };
  if (v.valueString !== undefined)
    return { valueType: 'ST', valueNum: undefined, valueText: v.valueString, unit: undefined };
  if (v.valueBoolean !== undefined)
    return { valueType: 'ST', valueNum: undefined, valueText: String(v.valueBoolean), unit: undefined };
  const cc = v.valueCodeableConcept;
  if (cc) {
    const c = cc.coding?.[0];
    return {
      valueType: 'CWE',
      valueNum: undefined,
      valueText: c?.code ? `${c.system ?? ''}|${c.code}` : (cc.text ?? ''),
      unit: undefined,
    };
  }
  return undefined;
}

/**
 * An Observation → rows: its own value, or one row per component (the BP panel 85354-9 carries
 * systolic and diastolic as components). `entered-in-error` retracts what an earlier version stored;
 * `cancelled` and value-less panels (hasMember) store nothing.
 */
export function mapObservation(o: FhirObservation, catalog: VitalCatalog): ObservationMapping {
  if (o.status === 'entered-in-error') return { kind: 'retract' };
  if (o.status === 'cancelled') return { kind: 'skip', reason: 'cancelled (no result)' };
  const when = o.effectiveDateTime ?? o.effectiveInstant ?? o.effectivePeriod?.start;
  if (!when)
    return {
      kind: 'invalid',
      reason: 'effective[x]: no effectiveDateTime, effectiveInstant or effectivePeriod.start',
    };
  const observedAt = parseFhirTime(when);
  if (observedAt === undefined) return { kind: 'invalid', reason: `effective[x]: "${when}" is not a time` };
  const flags = o.interpretation
    ?.map((i) => i.coding?.[0]?.code)
    .filter((c): c is string => !!c)
    .join(',');
  const base = { observedAt, abnormalFlags: flags || undefined, status: STATUS[o.status] };
  const rows: MappedFhirObservation[] = [];
  let skippedParts = 0;
  const own = resolveCode(o.code, catalog);
  if (!own) return { kind: 'invalid', reason: 'code: no coding with a code, and no text' };
  const ownValue = mapValue(o, catalog, own.vitalUcum);
  if (ownValue) rows.push({ ...base, ...own, ...ownValue, grouped: false });
  const components = o.component ?? [];
  const grouped = components.length > 1;
  for (const c of components) {
    const code = resolveCode(c.code, catalog);
    const value = code ? mapValue(c, catalog, code.vitalUcum) : undefined;
    if (!code || !value) {
      skippedParts++; // dataAbsentReason, a waveform (SampledData), or an uncoded component
      continue;
    }
    rows.push({ ...base, ...code, ...value, grouped: grouped || code.bp });
  }
  if (rows.length === 0)
    return {
      kind: 'skip',
      reason: o.hasMember?.length ? 'a panel of references (hasMember), no values of its own' : 'no value',
    };
  return { kind: 'rows', rows, skippedParts };
}
