import { deidProfile, type DeidProfile } from '../../shared/api/products';

/**
 * Built-in de-identification profiles. They are data, validated by the same schema as a profile
 * IT writes; `docs/deidentification.md` explains, identifier by identifier, what they do.
 * @see HIPAA §164.514(b)(2)(i)(A)–(R)
 */

/**
 * HIPAA Safe Harbor as it applies to bedside vitals: a keyed patient pseudonym, 5-year age bands
 * with 90+, ZIP3 (000 for the small areas), per-patient date shift of up to a year, device type as
 * an MDC term only. Names, identifiers, addresses, contacts, serials, IPs, unit and bed labels are
 * not product fields at all, so no profile can release them.
 */
export const SAFE_HARBOR: DeidProfile = deidProfile.parse({
  name: 'safe-harbor',
  description:
    'HIPAA Safe Harbor (§164.514(b)(2)): keyed pseudonyms, per-patient date shift (±365 days, intervals kept), 5-year age bands with 90+, ZIP3 with 000 for small areas, k-anonymity k=5 on age band, sex, ZIP3 and unit type.',
  fields: {
    patient: { method: 'pseudonymize' },
    age_band: { method: 'generalize', bandYears: 5, top: 90 },
    sex: { method: 'keep' },
    zip3: { method: 'generalize' },
    unit_type: { method: 'keep' },
    time: { method: 'dateshift', maxDays: 365 },
    code: { method: 'keep' },
    value: { method: 'keep' },
    unit: { method: 'keep' },
    device_type: { method: 'keep' },
  },
  kAnonymity: {
    k: 5,
    quasiIdentifiers: ['age_band', 'sex', 'zip3', 'unit_type'],
    onSmallClass: 'generalize',
  },
});

/**
 * The literal reading of (C): every date element except the year removed, instead of shifted.
 * For recipients whose review doesn't accept date shifting as Safe Harbor.
 */
export const SAFE_HARBOR_YEAR: DeidProfile = deidProfile.parse({
  ...SAFE_HARBOR,
  name: 'safe-harbor-year',
  description:
    'Safe Harbor with times reduced to the year (no shifting): the strictest reading of §164.514(b)(2)(i)(C).',
  fields: { ...SAFE_HARBOR.fields, time: { method: 'generalize', grain: 'year' } },
});

export const BUILT_IN_PROFILES: readonly DeidProfile[] = [SAFE_HARBOR, SAFE_HARBOR_YEAR];
