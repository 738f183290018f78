import { z } from 'zod';
import { method, stream } from './define';

/**
 * Live vitals and alarms (issue 5). Times here are epoch milliseconds (node clock), not ISO
 * strings: a unit view receives ~160 values ten times a second, and the renderer computes ages
 * from them; `serverTime` in each event lets it correct for a browser clock that is off.
 */

/** Break-glass: a clinician watching a patient or unit outside their assignment says why; audited. */
const breakGlassReason = z.string().trim().min(10).max(500).optional();
const unitName = z.string().trim().min(1).max(64);
const patientId = z.number().int().positive();

export const ALARM_CONDITIONS = [
  'low',
  'high',
  'critical_low',
  'critical_high',
  'signal_lost',
  'device_disconnected',
] as const;
export type AlarmConditionName = (typeof ALARM_CONDITIONS)[number];

export const alarmView = z.object({
  id: z.number().int(),
  patientId: z.number().int(),
  /** Catalog id, or `device` for a device-level technical alarm. */
  code: z.string(),
  kind: z.enum(['physiological', 'technical']),
  condition: z.enum(ALARM_CONDITIONS),
  /** IEC 60601-1-8: high (red, fast flash), medium (yellow, slow flash), low (cyan, steady). */
  priority: z.enum(['high', 'medium', 'low']),
  value: z.number().nullable(),
  limit: z.number().nullable(),
  startedAt: z.number(),
  endedAt: z.number().nullable(),
  acknowledgedAt: z.number().nullable(),
  acknowledgedBy: z.string().nullable(),
  silencedUntil: z.number().nullable(),
});
export type AlarmView = z.infer<typeof alarmView>;

export const liveValue = z.object({
  patientId: z.number().int(),
  /** Catalog id (`hr`, `spo2`, `nibp-sys`). */
  code: z.string(),
  value: z.number(),
  unit: z.string().nullable(),
  observedAt: z.number(),
  receivedAt: z.number(),
});
export type LiveValue = z.infer<typeof liveValue>;

export const bedView = z.object({
  patientId: z.number().int(),
  /** "FAMILY, Given", for the clinician's eyes only. */
  displayName: z.string().nullable(),
  birthDate: z.string().nullable(),
  sex: z.string().nullable(),
  unit: z.string().nullable(),
  room: z.string().nullable(),
  bed: z.string().nullable(),
});
export type BedView = z.infer<typeof bedView>;

export const vitalsEvent = z.object({
  /** The first event of a subscription: every bed, its latest values and active alarms. */
  snapshot: z.boolean(),
  /** Node time when sent. */
  serverTime: z.number(),
  /** Beds shown for the first time (all of them in a snapshot). */
  beds: z.array(bedView),
  /** Latest value per patient and code since the previous event. */
  values: z.array(liveValue),
  /** Alarms that started, changed (acknowledged, escalated) or ended since the previous event. */
  alarms: z.array(alarmView),
  /** After how long without a value each code counts as lost (greyed), in the snapshot. */
  staleAfterMs: z.record(z.string(), z.number()),
});
export type VitalsEvent = z.infer<typeof vitalsEvent>;

export const limitsInput = z
  .object({ low: z.number(), high: z.number(), criticalLow: z.number(), criticalHigh: z.number() })
  .strict()
  .refine((l) => l.criticalLow <= l.low && l.low < l.high && l.high <= l.criticalHigh, {
    message: 'limits must satisfy criticalLow ≤ low < high ≤ criticalHigh',
  });

export const effectiveLimit = z.object({
  code: z.string(),
  display: z.string(),
  ucum: z.string(),
  low: z.number(),
  high: z.number(),
  criticalLow: z.number(),
  criticalHigh: z.number(),
  /** Where it comes from: the catalog default, the unit (IT) or this patient (a clinician). */
  source: z.enum(['catalog', 'unit', 'patient']),
  updatedBy: z.string().nullable(),
  updatedAt: z.number().nullable(),
});
export type EffectiveLimit = z.infer<typeof effectiveLimit>;

const limitsAnswer = z.object({ limits: z.array(effectiveLimit), signalLostSeconds: z.number().int() });

export const vitalsStreams = {
  'vitals.unit': stream(
    'Live values and alarms of every bed on a unit, batched at most 10 times a second.',
    z.object({ unit: unitName, breakGlassReason }).strict(),
    vitalsEvent,
  ),
  'vitals.patient': stream(
    "One patient's live values and alarms, batched at most 10 times a second; one audited read.",
    z.object({ patientId, breakGlassReason }).strict(),
    vitalsEvent,
  ),
} as const;

/** One code's trend: columns (uPlot's shape), one entry per time bucket; min/max span the bucket. */
export const trendSeries = z.object({
  code: z.string(),
  unit: z.string().nullable(),
  t: z.array(z.number()),
  mean: z.array(z.number()),
  min: z.array(z.number()),
  max: z.array(z.number()),
});
export type TrendSeries = z.infer<typeof trendSeries>;

export const trendMethods = {
  'vitals.trend': method(
    "A patient's stored values per code over a time range, in at most `buckets` time buckets (min, mean, max).",
    z
      .object({
        patientId,
        from: z.number().int().nonnegative(),
        to: z.number().int().nonnegative(),
        buckets: z.number().int().min(10).max(2000).default(600),
        breakGlassReason,
      })
      .strict()
      .refine((v) => v.from < v.to && v.to - v.from <= 7 * 86_400_000, {
        message: 'from must be before to, at most 7 days apart',
        path: ['from'],
      }),
    z.object({ series: z.array(trendSeries), bucketMs: z.number() }),
  ),
} as const;

export const unitMethods = {
  'units.list': method(
    'The units with patients, with bed and active alarm counts; your assigned units first.',
    z.object({}).strict(),
    z.object({
      units: z.array(
        z.object({
          unit: z.string(),
          beds: z.number().int(),
          activeAlarms: z.number().int(),
          assigned: z.boolean(),
        }),
      ),
      assigned: z.array(z.string()),
    }),
  ),
} as const;

export const alarmMethods = {
  'alarms.limits': method(
    "A patient's effective alarm limits per code, and where each comes from.",
    z.object({ patientId, breakGlassReason }).strict(),
    limitsAnswer,
  ),
  'alarms.setPatientLimit': method(
    "Set (or with null, clear) one code's alarm limits for one patient.",
    z
      .object({
        patientId,
        code: z.string().min(1).max(40),
        limits: limitsInput.nullable(),
        breakGlassReason,
      })
      .strict(),
    effectiveLimit,
  ),
  'alarms.unitLimits': method(
    "A unit's default alarm limits per code and its signal-lost time.",
    z.object({ unit: unitName }).strict(),
    limitsAnswer,
  ),
  'alarms.setUnitLimit': method(
    "Set (or with null, clear) one code's default alarm limits for a unit.",
    z.object({ unit: unitName, code: z.string().min(1).max(40), limits: limitsInput.nullable() }).strict(),
    effectiveLimit,
  ),
  'alarms.setUnitSettings': method(
    'How long a parameter may send nothing before "signal lost", for a unit.',
    z.object({ unit: unitName, signalLostSeconds: z.number().int().min(5).max(3600) }).strict(),
    z.object({ unit: z.string(), signalLostSeconds: z.number().int() }),
  ),
  'alarms.history': method(
    "A patient's alarm episodes, newest first.",
    z
      .object({
        patientId,
        from: z.number().int().nonnegative().optional(),
        to: z.number().int().nonnegative().optional(),
        limit: z.number().int().min(1).max(500).default(100),
        breakGlassReason,
      })
      .strict(),
    z.object({ alarms: z.array(alarmView) }),
  ),
  'alarms.acknowledge': method(
    'Acknowledge an alarm and silence it for a while; it stays visible until its condition clears.',
    z
      .object({
        alarmId: z.number().int().positive(),
        silenceMinutes: z.number().int().min(1).max(15).default(2),
        breakGlassReason,
      })
      .strict(),
    z.object({ alarm: alarmView }),
  ),
} as const;
