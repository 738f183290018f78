import { z } from 'zod';
import { VITAL_SIGNS } from '../catalog/vital-signs';
import { method } from './define';

/**
 * Data products and de-identification profiles: the definitions (validated here, so the editor,
 * the API and the node refuse the same things with the same field and reason) and the catalog
 * methods. @see issue 7, DESIGN.md "Sharing".
 */

/** The fields a product may expose. Never free text: every one is coded, numeric or generalised. */
export const PRODUCT_FIELDS = [
  'patient',
  'age_band',
  'sex',
  'zip3',
  'unit_type',
  'time',
  'code',
  'value',
  'unit',
  'device_type',
] as const;
export type ProductField = (typeof PRODUCT_FIELDS)[number];

export const GRAINS = ['raw', '1min', '5min', '1h'] as const;
export type Grain = (typeof GRAINS)[number];
export const GRAIN_MS: Record<Exclude<Grain, 'raw'>, number> = {
  '1min': 60_000,
  '5min': 300_000,
  '1h': 3_600_000,
};

const slug = z
  .string()
  .regex(
    /^[a-z0-9][a-z0-9-]{1,47}$/,
    '2–48 lowercase letters, digits and dashes, starting with a letter or digit',
  );
const catalogIds = new Set(VITAL_SIGNS.map((v) => v.id));

export const qualityCheck = z
  .object({
    check: z.enum(['out_of_range', 'missing']),
    /** Largest acceptable share (0–1) of the release's rows failing the check. */
    maxShare: z.number().min(0).max(1),
  })
  .strict();

export const productDefinition = z
  .object({
    name: slug,
    owner: z.string().trim().min(1).max(120),
    description: z.string().trim().min(1).max(2000),
    /** Catalog ids (`spo2`, `nibp-sys`), or '*' for every catalog code. */
    codes: z.union([
      z.literal('*'),
      z
        .array(z.string().refine((c) => catalogIds.has(c), { message: 'not a catalog code' }))
        .min(1)
        .max(64),
    ]),
    grain: z.enum(GRAINS),
    fields: z
      .array(z.enum(PRODUCT_FIELDS))
      .min(1)
      .refine((f) => new Set(f).size === f.length, { message: 'a field is listed twice' })
      .refine((f) => f.includes('time') && f.includes('code') && f.includes('value'), {
        message: 'time, code and value are required',
      }),
    quality: z.array(qualityCheck).max(8).default([]),
    /** Who may export it, and through which profiles. */
    access: z
      .object({
        researchers: z.union([z.literal('all'), z.array(z.string().min(1).max(128)).max(500)]).default('all'),
        profiles: z.array(slug).min(1).max(16).default(['safe-harbor']),
      })
      .strict()
      .default({ researchers: 'all', profiles: ['safe-harbor'] }),
  })
  .strict()
  .superRefine((p, ctx) => {
    // An aggregate row summarises a minute or more of one patient's series, which may span
    // monitors; naming one device type for it would be made up.
    if (p.grain !== 'raw' && p.fields.includes('device_type')) {
      ctx.addIssue({
        code: 'custom',
        path: ['fields'],
        message: `device_type is only available at the raw grain, not ${p.grain}`,
      });
    }
  });
export type ProductDefinition = z.infer<typeof productDefinition>;

// --- De-identification profiles -----------------------------------------------------------------

export const TIME_GRAINS = ['year', 'month', 'day', 'hour', 'minute'] as const;

/** A whole number within bounds, with errors IT reads next to the field ("at most 3650 days"). */
const wholeNumber = (min: number, max: number, one: string, many: string) =>
  z
    .number({ error: 'a number is needed here' })
    .int('a whole number is needed here')
    .min(min, `at least ${min} ${min === 1 ? one : many}`)
    .max(max, `at most ${max} ${many}`);

export const fieldMethod = z.discriminatedUnion('method', [
  z.object({ method: z.literal('keep') }).strict(),
  z.object({ method: z.literal('redact') }).strict(),
  z.object({ method: z.literal('suppress') }).strict(),
  z.object({ method: z.literal('pseudonymize') }).strict(),
  z.object({ method: z.literal('dateshift'), maxDays: wholeNumber(1, 3650, 'day', 'days') }).strict(),
  z
    .object({
      method: z.literal('generalize'),
      /** age_band: width of a band in years (5 by default). */
      bandYears: wholeNumber(1, 30, 'year', 'years').optional(),
      /** age_band: ages from here up form one band ("90+"); Safe Harbor (C) allows at most 90. */
      top: wholeNumber(18, 90, 'year of age', 'years of age').optional(),
      /** time: the grain it is truncated to. */
      grain: z.enum(TIME_GRAINS).optional(),
    })
    .strict(),
  z
    .object({
      method: z.literal('perturb'),
      /** Noise is uniform in ±maxAbs (in the value's unit) … */
      maxAbs: z.number().positive().max(1000).optional(),
      /** … or ±maxRelative of the value. */
      maxRelative: z.number().positive().max(0.5).optional(),
    })
    .strict()
    .refine((p) => (p.maxAbs === undefined) !== (p.maxRelative === undefined), {
      message: 'give exactly one of maxAbs and maxRelative',
    }),
]);
export type FieldMethod = z.infer<typeof fieldMethod>;
export type FieldMethodName = FieldMethod['method'];

/** Which methods make sense for which field; anything else is refused with the field's name. */
export const ALLOWED_METHODS: Record<ProductField, readonly FieldMethodName[]> = {
  // The internal patient id is linkable across exports: it is never kept, only pseudonymised.
  patient: ['pseudonymize', 'redact', 'suppress'],
  age_band: ['generalize', 'suppress'],
  sex: ['keep', 'redact', 'suppress'],
  zip3: ['generalize', 'redact', 'suppress'],
  unit_type: ['keep', 'redact', 'suppress'],
  time: ['keep', 'dateshift', 'generalize', 'suppress'],
  code: ['keep', 'suppress'],
  value: ['keep', 'perturb', 'suppress'],
  unit: ['keep', 'suppress'],
  device_type: ['keep', 'redact', 'suppress'],
};

/**
 * The patient attributes the k-anonymity gate counts: what a recipient could match against other
 * data about a person (Sweeney's "quasi-identifiers"). They are per patient, so an equivalence
 * class is a set of patients. Device type is a property of the monitor, varies row by row and
 * is not about the person; device identifiers (Safe Harbor (M)) are never a product field at all.
 */
export const QUASI_IDENTIFIERS = ['age_band', 'sex', 'zip3', 'unit_type'] as const;
export type QuasiIdentifier = (typeof QUASI_IDENTIFIERS)[number];

export const deidProfile = z
  .object({
    name: slug,
    description: z.string().trim().min(1).max(2000),
    /** One method per field; a field not listed is suppressed (the safe default). */
    fields: z.partialRecord(z.enum(PRODUCT_FIELDS), fieldMethod),
    kAnonymity: z
      .object({
        k: wholeNumber(1, 1000, 'patient per class', 'patients per class').default(5),
        quasiIdentifiers: z.array(z.enum(QUASI_IDENTIFIERS)).max(5),
        /** What happens to patients in a class smaller than k. */
        onSmallClass: z.enum(['suppress', 'generalize']).default('generalize'),
      })
      .strict(),
  })
  .strict()
  .superRefine((profile, ctx) => {
    for (const [field, m] of Object.entries(profile.fields) as [ProductField, FieldMethod][]) {
      if (!ALLOWED_METHODS[field].includes(m.method)) {
        ctx.addIssue({
          code: 'custom',
          path: ['fields', field, 'method'],
          message: `${m.method} is not allowed for ${field}; use one of ${ALLOWED_METHODS[field].join(', ')}`,
        });
      }
      if (m.method === 'generalize' && field === 'time' && !m.grain) {
        ctx.addIssue({ code: 'custom', path: ['fields', field, 'grain'], message: 'time needs a grain' });
      }
    }
    // A quasi-identifier that is released but not counted would let the gate pass a class that
    // the released columns split further: every released one must be declared.
    for (const qi of QUASI_IDENTIFIERS) {
      const m = profile.fields[qi];
      const released = m !== undefined && m.method !== 'suppress' && m.method !== 'redact';
      if (released && !profile.kAnonymity.quasiIdentifiers.includes(qi)) {
        ctx.addIssue({
          code: 'custom',
          path: ['kAnonymity', 'quasiIdentifiers'],
          message: `${qi} is released (${m.method}) but not declared a quasi-identifier, so the k gate would not count it`,
        });
      }
    }
    const qis = profile.kAnonymity.quasiIdentifiers;
    if (new Set(qis).size !== qis.length) {
      ctx.addIssue({ code: 'custom', path: ['kAnonymity', 'quasiIdentifiers'], message: 'listed twice' });
    }
  });
export type DeidProfile = z.infer<typeof deidProfile>;

// --- Catalog API ---------------------------------------------------------------------------------

export const qualityReport = z.object({
  rows: z.number().int(),
  missing: z.number().int(),
  outOfRange: z.number().int(),
  missingShare: z.number(),
  outOfRangeShare: z.number(),
  checks: z.array(
    z.object({ check: z.string(), maxShare: z.number(), share: z.number(), passed: z.boolean() }),
  ),
  byCode: z.record(
    z.string(),
    z.object({ rows: z.number().int(), missing: z.number().int(), outOfRange: z.number().int() }),
  ),
});
export type QualityReport = z.infer<typeof qualityReport>;

export const productSummary = z.object({
  name: z.string(),
  version: z.number().int(),
  owner: z.string(),
  description: z.string(),
  grain: z.enum(GRAINS),
  builtIn: z.boolean(),
  /** May the caller export it (researchers: listed in access; others: false). */
  exportable: z.boolean(),
});

export const productDescription = productSummary.extend({
  definition: productDefinition,
  columns: z.array(z.object({ name: z.string(), type: z.string(), description: z.string() })),
  versions: z.array(z.object({ version: z.number().int(), createdAt: z.string(), createdBy: z.string() })),
  rowCount: z.number().int(),
  coverage: z.object({ from: z.string().nullable(), to: z.string().nullable() }),
  quality: qualityReport,
  lineage: z.array(z.object({ source: z.string(), rows: z.number().int() })),
});
export type ProductDescription = z.infer<typeof productDescription>;

export const profileSummary = z.object({
  name: z.string(),
  version: z.number().int(),
  builtIn: z.boolean(),
  definition: deidProfile,
});

// --- Unit types (a quasi-identifier IT sets per unit label) ---------------------------------------

/**
 * The kinds of care unit a release may name. A closed list: the unit's label is a location
 * smaller than a state (Safe Harbor (B)) and never leaves, and a free-text type could carry it.
 */
export const UNIT_TYPES = [
  'icu',
  'nicu',
  'picu',
  'ed',
  'perioperative',
  'stepdown',
  'ward',
  'other',
] as const;
export type UnitType = (typeof UNIT_TYPES)[number];

export const unitTypeRow = z.object({
  unit: z.string(),
  /** What releases use: IT's setting, or the guess from the label when IT has set none. */
  unitType: z.string(),
  source: z.enum(['set', 'guessed']),
  /** The guess from the label, shown so IT can confirm or correct it. */
  guessed: z.string(),
  patients: z.number().int(),
  setBy: z.string().nullable(),
  setAt: z.string().nullable(),
});
export type UnitTypeRow = z.infer<typeof unitTypeRow>;

export const productMethods = {
  'products.list': method(
    'The data product catalog: every product, latest version.',
    z.object({}).strict(),
    z.object({ products: z.array(productSummary) }),
  ),
  'products.describe': method(
    'One product: definition, schema, versions, row count, time coverage, quality and lineage.',
    z.object({ name: slug, version: z.number().int().positive().optional() }).strict(),
    productDescription,
  ),
  'products.save': method(
    'Create a product or a new version of one (editing never changes a published version).',
    z.object({ definition: productDefinition }).strict(),
    z.object({ name: z.string(), version: z.number().int() }),
  ),
  'profiles.list': method(
    'De-identification profiles, latest version of each (built-in safe-harbor first).',
    z.object({}).strict(),
    z.object({ profiles: z.array(profileSummary) }),
  ),
  'profiles.save': method(
    'Create a de-identification profile or a new version of one.',
    z.object({ definition: deidProfile }).strict(),
    z.object({ name: z.string(), version: z.number().int() }),
  ),
  'products.unitTypes': method(
    'Every unit label with patients, and the unit type releases give it (set by IT, or guessed).',
    z.object({}).strict(),
    z.object({ units: z.array(unitTypeRow) }),
  ),
  'products.setUnitType': method(
    "Set a unit's type (a quasi-identifier in releases), or clear it (null) to use the guess again.",
    z
      .object({
        unit: z.string().trim().min(1, 'name the unit').max(120),
        unitType: z.enum(UNIT_TYPES).nullable(),
      })
      .strict(),
    unitTypeRow,
  ),
} as const;
