import { z } from 'zod';

/**
 * The vital-sign code catalog: IEEE 11073-10101 (MDC) ↔ LOINC ↔ display name ↔ UCUM ↔ default
 * alarm limits. Ingest maps every received OBX-3 through it so that vendors sending different MDC
 * terms for the same quantity (Philips MDC_PRESS_BLD_NONINV_*, others MDC_PRESS_CUFF_*) land on
 * one catalog id.
 * @see ../../../shared/DOMAIN.md "Vital signs" (IEEE 11073-10101:2019, LOINC 2.7x, UCUM 2.1)
 */

/** Catalog ids group codes that measure the same quantity; blood pressures also name their group. */
export type BpGroup = 'nibp' | 'ibp';

export interface AlarmLimits {
  readonly low: number;
  readonly high: number;
  readonly criticalLow: number;
  readonly criticalHigh: number;
}

export interface VitalSign {
  /** Stable catalog id, stored with each observation (`spo2`, `nibp-sys`). */
  readonly id: string;
  readonly display: string;
  /** MDC codes: context-free number (partition × 65536 + term) and reference id. */
  readonly mdc: readonly { readonly code: number; readonly refId: string }[];
  readonly loinc: readonly string[];
  /** UCUM unit the value is stored in. */
  readonly ucum: string;
  readonly limits?: AlarmLimits;
  /** Blood pressure components that belong together (sys/dia/mean of one measurement). */
  readonly bp?: { readonly group: BpGroup; readonly part: 'sys' | 'dia' | 'mean' };
}

const lim = (criticalLow: number, low: number, high: number, criticalHigh: number): AlarmLimits => ({
  low,
  high,
  criticalLow,
  criticalHigh,
});

// Default adult limits, in line with common monitor factory defaults; facilities override per unit.
export const VITAL_SIGNS: readonly VitalSign[] = [
  {
    id: 'hr',
    display: 'Heart rate',
    mdc: [{ code: 147842, refId: 'MDC_ECG_HEART_RATE' }],
    loinc: ['8867-4'],
    ucum: '/min',
    limits: lim(40, 50, 120, 150),
  },
  {
    id: 'pulse-spo2',
    display: 'Pulse rate (SpO2)',
    mdc: [{ code: 149530, refId: 'MDC_PULS_OXIM_PULS_RATE' }],
    loinc: ['8889-8'],
    ucum: '/min',
    limits: lim(40, 50, 120, 150),
  },
  {
    id: 'pulse-nibp',
    display: 'Pulse rate (NIBP)',
    mdc: [{ code: 149546, refId: 'MDC_PULS_RATE_NON_INV' }],
    // LOINC has no NIBP-specific pulse code; 8867-4 belongs to heart rate, so it is not listed here.
    loinc: [],
    ucum: '/min',
    limits: lim(40, 50, 120, 150),
  },
  {
    id: 'spo2',
    display: 'SpO2',
    mdc: [{ code: 150456, refId: 'MDC_PULS_OXIM_SAT_O2' }],
    loinc: ['59408-5', '2708-6'],
    ucum: '%',
    limits: lim(85, 90, 100, 101),
  },
  ...bp('nibp', 'NIBP', [
    [150021, 'MDC_PRESS_BLD_NONINV_SYS', 150301, 'MDC_PRESS_CUFF_SYS'],
    [150022, 'MDC_PRESS_BLD_NONINV_DIA', 150302, 'MDC_PRESS_CUFF_DIA'],
    [150023, 'MDC_PRESS_BLD_NONINV_MEAN', 150303, 'MDC_PRESS_CUFF_MEAN'],
  ]),
  ...bp('ibp', 'ABP', [
    [150037, 'MDC_PRESS_BLD_ART_ABP_SYS', 150017, 'MDC_PRESS_BLD_SYS'],
    [150038, 'MDC_PRESS_BLD_ART_ABP_DIA', 150018, 'MDC_PRESS_BLD_DIA'],
    [150039, 'MDC_PRESS_BLD_ART_ABP_MEAN', 150019, 'MDC_PRESS_BLD_MEAN'],
  ]),
  {
    id: 'rr',
    display: 'Respiration rate',
    mdc: [
      { code: 151562, refId: 'MDC_RESP_RATE' },
      { code: 151594, refId: 'MDC_CO2_RESP_RATE' },
    ],
    loinc: ['9279-1'],
    ucum: '/min',
    limits: lim(5, 8, 30, 40),
  },
  {
    id: 'temp',
    display: 'Temperature',
    mdc: [
      { code: 150364, refId: 'MDC_TEMP_BODY' },
      { code: 150344, refId: 'MDC_TEMP' },
      { code: 188424, refId: 'MDC_TEMP_ORAL' },
      { code: 188420, refId: 'MDC_TEMP_RECT' },
      { code: 150392, refId: 'MDC_TEMP_TYMP' },
      { code: 150388, refId: 'MDC_TEMP_SKIN' },
      { code: 150368, refId: 'MDC_TEMP_CORE' },
    ],
    loinc: ['8310-5'],
    ucum: 'Cel',
    limits: lim(34, 35.5, 38.5, 40),
  },
  {
    id: 'etco2',
    display: 'EtCO2',
    mdc: [{ code: 151708, refId: 'MDC_CONC_AWAY_CO2_ET' }],
    loinc: ['19891-1'],
    ucum: 'mm[Hg]',
    limits: lim(20, 30, 45, 60),
  },
];

function bp(group: BpGroup, label: string, rows: readonly [number, string, number, string][]): VitalSign[] {
  const parts = ['sys', 'dia', 'mean'] as const;
  const names = { sys: 'systolic', dia: 'diastolic', mean: 'mean' };
  const loinc = { sys: '8480-6', dia: '8462-4', mean: '8478-0' };
  const limits = { sys: lim(70, 90, 160, 200), dia: lim(35, 50, 90, 120), mean: lim(50, 60, 110, 130) };
  return rows.map(([code, refId, altCode, altRefId], i) => {
    const part = parts[i] ?? 'mean';
    return {
      id: `${group}-${part}`,
      display: `${label} ${names[part]}`,
      mdc: [
        { code, refId },
        { code: altCode, refId: altRefId },
      ],
      // 8480-6 etc. are shared by NIBP and IBP (the method distinguishes them), so a LOINC-coded
      // pressure resolves to NIBP, the common case at the bedside.
      loinc: group === 'nibp' ? [loinc[part]] : [],
      ucum: 'mm[Hg]',
      limits: limits[part],
      bp: { group, part },
    };
  });
}

/** MDC unit codes (IEEE 11073-10101 partition 4) → UCUM. @see DOMAIN.md "MDC units". */
export const MDC_UNITS: readonly { code: number; refId: string; ucum: string }[] = [
  { code: 264864, refId: 'MDC_DIM_BEAT_PER_MIN', ucum: '/min' },
  { code: 264928, refId: 'MDC_DIM_RESP_PER_MIN', ucum: '/min' },
  { code: 262688, refId: 'MDC_DIM_PERCENT', ucum: '%' },
  { code: 266016, refId: 'MDC_DIM_MMHG', ucum: 'mm[Hg]' },
  { code: 268192, refId: 'MDC_DIM_DEGC', ucum: 'Cel' },
  { code: 262656, refId: 'MDC_DIM_DIMLESS', ucum: '1' },
];

/**
 * UCUM with its curly-brace annotations removed, for comparison: `{beat}/min` → `/min`,
 * `{breath}/min` → `/min`. An annotation alone means "1" (UCUM §4.2.3 annotations).
 */
export function normaliseUcum(unit: string): string {
  const stripped = unit.trim().replace(/\{[^}]*\}/g, '');
  if (stripped === '') return '1';
  // `1/min` and `/min` are the same unit; keep the shorter, which the catalog uses.
  return stripped.startsWith('1/') ? stripped.slice(1) : stripped;
}

/** Coding systems as senders name them in CWE-3. */
export type CodeSystemKind = 'mdc' | 'loinc' | 'other';

export function codeSystemKind(system: string | undefined): CodeSystemKind {
  const s = (system ?? '').trim().toUpperCase();
  if (s === 'MDC' || s === 'IEEE11073' || s === 'URN:ISO:STD:ISO:11073:10101') return 'mdc';
  if (s === 'LN' || s === 'LOINC' || s === 'HTTP://LOINC.ORG' || s === '2.16.840.1.113883.6.1')
    return 'loinc';
  return 'other';
}

/** A local code a facility adds from config: its own code and system mapped onto a catalog entry or a new one. */
export const localCodeSchema = z
  .object({
    code: z.string().min(1).max(64),
    system: z.string().min(1).max(64),
    /** An existing catalog id this code means, or a new id (then display and ucum are required). */
    id: z.string().regex(/^[a-z0-9][a-z0-9-]{0,39}$/, 'lowercase letters, digits and dashes'),
    display: z.string().min(1).max(80).optional(),
    ucum: z.string().min(1).max(32).optional(),
    limits: z
      .object({
        low: z.number(),
        high: z.number(),
        criticalLow: z.number(),
        criticalHigh: z.number(),
      })
      .refine((l) => l.criticalLow <= l.low && l.low < l.high && l.high <= l.criticalHigh, {
        message: 'limits must satisfy criticalLow ≤ low < high ≤ criticalHigh',
      })
      .optional(),
  })
  .strict();
export type LocalCode = z.infer<typeof localCodeSchema>;

/** A resolved coding: which catalog entry a (code, system) pair means. */
export interface CatalogMatch {
  readonly vital: VitalSign;
  readonly via: 'mdc-code' | 'mdc-ref' | 'loinc' | 'local';
}

export interface VitalCatalog {
  readonly vitals: readonly VitalSign[];
  byId(id: string): VitalSign | undefined;
  /**
   * Resolves an OBX-3 coding. Accepts an MDC number ("150456") or reference id
   * ("MDC_PULS_OXIM_SAT_O2") in any component, a LOINC code, or a configured local code.
   */
  lookup(code: string, system?: string, text?: string): CatalogMatch | undefined;
  /** OBX-6 → UCUM: MDC unit codes or names, or UCUM with annotations normalised away. */
  unitToUcum(code: string, system?: string, text?: string): string | undefined;
}

export class CatalogConfigError extends Error {
  override readonly name = 'CatalogConfigError';
}

/** Builds the catalog, merged with validated local codes. Throws on a local code that contradicts it. */
export function createVitalCatalog(local: readonly unknown[] = []): VitalCatalog {
  const parsed = z.array(localCodeSchema).safeParse(local);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new CatalogConfigError(`local codes: ${issue?.path.join('.')}: ${issue?.message}`);
  }
  const vitals = new Map<string, VitalSign>(VITAL_SIGNS.map((v) => [v.id, v]));
  const localKey = (code: string, system: string) => `${system.trim().toUpperCase()}|${code.trim()}`;
  const locals = new Map<string, VitalSign>();
  for (const entry of parsed.data) {
    let vital = vitals.get(entry.id);
    if (!vital) {
      if (!entry.display || !entry.ucum) {
        throw new CatalogConfigError(
          `local code ${entry.system}|${entry.code}: new id "${entry.id}" needs display and ucum`,
        );
      }
      vital = {
        id: entry.id,
        display: entry.display,
        mdc: [],
        loinc: [],
        ucum: entry.ucum,
        limits: entry.limits,
      };
      vitals.set(entry.id, vital);
    } else if (entry.ucum && normaliseUcum(entry.ucum) !== normaliseUcum(vital.ucum)) {
      throw new CatalogConfigError(
        `local code ${entry.system}|${entry.code}: unit ${entry.ucum} differs from ${vital.id} (${vital.ucum})`,
      );
    }
    const key = localKey(entry.code, entry.system);
    if (locals.has(key))
      throw new CatalogConfigError(`local code ${entry.system}|${entry.code} is listed twice`);
    locals.set(key, vital);
  }
  const byMdcCode = new Map<number, VitalSign>();
  const byMdcRef = new Map<string, VitalSign>();
  const byLoinc = new Map<string, VitalSign>();
  for (const vital of vitals.values()) {
    for (const m of vital.mdc) {
      byMdcCode.set(m.code, vital);
      byMdcRef.set(m.refId, vital);
    }
    for (const l of vital.loinc) if (!byLoinc.has(l)) byLoinc.set(l, vital);
  }
  // Heart rate owns 8867-4 (DOMAIN.md lists NIBP pulse "as HR").
  const unitByCode = new Map(MDC_UNITS.map((u) => [u.code, u.ucum]));
  const unitByRef = new Map(MDC_UNITS.map((u) => [u.refId, u.ucum]));

  const mdcMatch = (value: string | undefined): CatalogMatch | undefined => {
    const v = value?.trim();
    if (!v) return undefined;
    if (/^\d+$/.test(v)) {
      const vital = byMdcCode.get(Number(v));
      return vital ? { vital, via: 'mdc-code' } : undefined;
    }
    const vital = byMdcRef.get(v.toUpperCase());
    return vital ? { vital, via: 'mdc-ref' } : undefined;
  };

  return {
    vitals: [...vitals.values()],
    byId: (id) => vitals.get(id),
    lookup(code, system, text) {
      const local = system ? locals.get(localKey(code, system)) : undefined;
      if (local) return { vital: local, via: 'local' };
      const kind = codeSystemKind(system);
      if (kind === 'loinc') {
        const vital = byLoinc.get(code.trim());
        return vital ? { vital, via: 'loinc' } : undefined;
      }
      if (kind === 'mdc' || kind === 'other') {
        // Senders often put the MDC number in CWE-1 and the reference id in CWE-2, or the
        // reference id alone; an unnamed system with a LOINC-shaped code is tried as LOINC.
        const found = mdcMatch(code) ?? mdcMatch(text);
        if (found) return found;
        if (kind === 'other' && /^\d{1,7}-\d$/.test(code.trim())) {
          const vital = byLoinc.get(code.trim());
          return vital ? { vital, via: 'loinc' } : undefined;
        }
      }
      return undefined;
    },
    unitToUcum(code, system, text) {
      const c = code.trim();
      const kind = (system ?? '').trim().toUpperCase();
      if (kind === 'MDC' || /^MDC_DIM_/i.test(c) || /^MDC_DIM_/i.test(text ?? '')) {
        if (/^\d+$/.test(c)) return unitByCode.get(Number(c));
        return unitByRef.get(c.toUpperCase()) ?? unitByRef.get((text ?? '').trim().toUpperCase());
      }
      if (c === '') return undefined;
      return normaliseUcum(c);
    },
  };
}

/** The built-in catalog without local codes. */
export const DEFAULT_CATALOG: VitalCatalog = createVitalCatalog();
