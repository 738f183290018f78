import { z } from 'zod';
import { method } from './define';

/** Break-glass: a clinician opening a patient outside their units says why; it is audited. */
const breakGlassReason = z.string().trim().min(10).max(500).optional();

export const patientIdentifier = z.object({ system: z.string(), value: z.string(), type: z.string() });

export const patientSummary = z.object({
  id: z.number().int(),
  family: z.string().nullable(),
  given: z.string().nullable(),
  birthDate: z.string().nullable(),
  sex: z.string().nullable(),
  unit: z.string().nullable(),
  room: z.string().nullable(),
  bed: z.string().nullable(),
  identifiers: z.array(patientIdentifier),
  /** A message disagreed with the stored demographics; a person must look (not overwritten). */
  demographicsConflict: z.boolean(),
});
export type PatientSummary = z.infer<typeof patientSummary>;

export const observationView = z.object({
  /** Catalog id (`spo2`) when known, else the code as received. */
  code: z.string(),
  codeSystem: z.string(),
  display: z.string().nullable(),
  loinc: z.string().nullable(),
  valueNum: z.number().nullable(),
  valueText: z.string().nullable(),
  unit: z.string().nullable(),
  observedAt: z.string(),
  device: z.string().nullable(),
  status: z.string().nullable(),
  abnormalFlags: z.string().nullable(),
  /** Same value for the systolic, diastolic and mean of one blood-pressure measurement. */
  bpGroup: z.string().nullable(),
});
export type ObservationView = z.infer<typeof observationView>;

export const patientDetail = patientSummary.extend({
  conflicts: z.array(
    z.object({
      field: z.string(),
      stored: z.string().nullable(),
      received: z.string().nullable(),
      at: z.string(),
    }),
  ),
  /** The latest observation per code. */
  latest: z.array(observationView),
});
export type PatientDetail = z.infer<typeof patientDetail>;

const instant = z.iso.datetime({ offset: true });

export const patientMethods = {
  'patients.search': method(
    'Find patients by identifier (exact) or family/given name (prefix), in your units unless you break the glass.',
    z
      .object({
        query: z.string().trim().min(1).max(100),
        limit: z.number().int().min(1).max(100).default(20),
        breakGlassReason,
      })
      .strict(),
    z.object({ patients: z.array(patientSummary) }),
  ),
  'patients.get': method(
    'One patient: demographics, identifiers, demographic conflicts and the latest value of each code.',
    z.object({ patientId: z.number().int().positive(), breakGlassReason }).strict(),
    patientDetail,
  ),
} as const;

export const observationMethods = {
  'observations.history': method(
    "A patient's observations in a time range, optionally one code (catalog id, MDC or LOINC code).",
    z
      .object({
        patientId: z.number().int().positive(),
        code: z.string().trim().min(1).max(64).optional(),
        from: instant,
        to: instant,
        limit: z.number().int().min(1).max(50_000).default(5000),
        breakGlassReason,
      })
      .strict()
      .refine((v) => Date.parse(v.from) <= Date.parse(v.to), {
        message: 'from must not be after to',
        path: ['from'],
      }),
    z.object({ observations: z.array(observationView), truncated: z.boolean() }),
  ),
} as const;
