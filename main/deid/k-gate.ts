import type { GateReport } from '../../shared/api/exports';
import type { DeidProfile, QuasiIdentifier } from '../../shared/api/products';
import type { CohortPatient } from './cohort';
import { ageBand } from './transforms';

/**
 * The k-anonymity gate: every released combination of quasi-identifier values must be shared by
 * at least k patients (an equivalence class of size ≥ k), so no released row can be narrowed to
 * fewer than k people by what a recipient may know about them.
 * @see Sweeney, "k-anonymity: a model for protecting privacy" (2002); HHS de-identification guidance §2.4
 *
 * Patients in a smaller class are generalized step by step (onSmallClass 'generalize') — only
 * they, the rest keep their precision — and whoever is still in a class below k after the last
 * step is suppressed, whole class at a time. Suppressing whole classes is what makes the result
 * provable: every class that remains has ≥ k members, which the report's recount states.
 */

/** Generalization steps, coarsest last. Each applies on top of the ones before it. */
export const GENERALIZATION_STEPS = [
  'ZIP3 removed',
  'age in 20-year bands',
  'unit type removed',
  'age removed',
  'sex removed',
] as const;
const MAX_LEVEL = GENERALIZATION_STEPS.length;

export type QiValues = Partial<Record<QuasiIdentifier, string>>;

export type GateDecision =
  | { readonly released: true; readonly level: number; readonly values: QiValues }
  | { readonly released: false; readonly reason: string };

export interface GateResult {
  readonly decisions: ReadonlyMap<number, GateDecision>;
  readonly report: GateReport;
}

/** The quasi-identifiers a profile releases (declared and neither suppressed nor redacted). */
export function releasedQis(profile: DeidProfile): QuasiIdentifier[] {
  return profile.kAnonymity.quasiIdentifiers.filter((qi) => {
    const m = profile.fields[qi];
    return m !== undefined && m.method !== 'suppress' && m.method !== 'redact';
  });
}

/** A patient's released quasi-identifier values at a generalization level. */
export function qiValues(
  p: CohortPatient,
  qis: readonly QuasiIdentifier[],
  profile: DeidProfile,
  level: number,
): QiValues {
  const out: QiValues = {};
  const age = profile.fields.age_band;
  const bandYears = age?.method === 'generalize' ? (age.bandYears ?? 5) : 5;
  const top = age?.method === 'generalize' ? (age.top ?? 90) : 90;
  for (const qi of qis) {
    switch (qi) {
      case 'zip3':
        out.zip3 = level >= 1 ? '*' : p.zip3;
        break;
      case 'age_band':
        out.age_band =
          level >= 4 ? '*' : ageBand(p.age, level >= 2 ? Math.max(20, bandYears) : bandYears, top);
        break;
      case 'unit_type':
        out.unit_type = level >= 3 ? '*' : p.unitType;
        break;
      case 'sex':
        out.sex = level >= 5 ? '*' : p.sex;
        break;
      default: {
        const never: never = qi;
        throw new Error(`unknown quasi-identifier ${String(never)}`);
      }
    }
  }
  return out;
}

const classKey = (v: QiValues, qis: readonly QuasiIdentifier[]): string =>
  qis.map((q) => v[q]).join('\u0000');

/** Equivalence classes (key → patient ids) of the given patients at their levels. */
function classesOf(
  patients: readonly CohortPatient[],
  level: ReadonlyMap<number, number>,
  qis: readonly QuasiIdentifier[],
  profile: DeidProfile,
): Map<string, CohortPatient[]> {
  const classes = new Map<string, CohortPatient[]>();
  for (const p of patients) {
    const key = classKey(qiValues(p, qis, profile, level.get(p.id) ?? 0), qis);
    const members = classes.get(key);
    if (members) members.push(p);
    else classes.set(key, [p]);
  }
  return classes;
}

export function applyKGate(cohort: readonly CohortPatient[], profile: DeidProfile): GateResult {
  const { k, onSmallClass } = profile.kAnonymity;
  const qis = releasedQis(profile);
  const level = new Map<number, number>();
  const suppressed = new Set<number>();
  let remaining = [...cohort];

  // Each round raises every member of a small class one level; levels only rise and are
  // bounded, so this ends. A small class whose members can rise no further is suppressed.
  for (;;) {
    const small = [...classesOf(remaining, level, qis, profile).values()].filter((c) => c.length < k);
    if (small.length === 0) break;
    let raised = false;
    for (const members of small) {
      const canRise =
        onSmallClass === 'generalize' && members.some((m) => (level.get(m.id) ?? 0) < MAX_LEVEL);
      if (!canRise) {
        for (const m of members) suppressed.add(m.id);
        continue;
      }
      for (const m of members) {
        const l = level.get(m.id) ?? 0;
        if (l < MAX_LEVEL) {
          level.set(m.id, l + 1);
          raised = true;
        }
      }
    }
    remaining = remaining.filter((p) => !suppressed.has(p.id));
    if (!raised && small.every((c) => c.every((m) => suppressed.has(m.id)))) break;
  }

  const reason =
    onSmallClass === 'generalize'
      ? `equivalence class smaller than k=${k} even after generalizing (${GENERALIZATION_STEPS.join(', ')})`
      : `equivalence class smaller than k=${k} (profile suppresses small classes)`;
  const decisions = new Map<number, GateDecision>();
  for (const p of cohort) {
    decisions.set(
      p.id,
      suppressed.has(p.id)
        ? { released: false, reason }
        : {
            released: true,
            level: level.get(p.id) ?? 0,
            values: qiValues(p, qis, profile, level.get(p.id) ?? 0),
          },
    );
  }
  // The recount that the report states: classes of the released patients at their final values.
  const finalClasses = classesOf(remaining, level, qis, profile);
  const sizes = [...finalClasses.values()].map((c) => c.length);
  const suppressedPatients = cohort.filter((p) => suppressed.has(p.id));
  const rowsSuppressed = suppressedPatients.reduce((n, p) => n + p.rows, 0);
  return {
    decisions,
    report: {
      k,
      quasiIdentifiers: qis,
      onSmallClass,
      kAchieved: sizes.length === 0 ? null : Math.min(...sizes),
      classes: sizes.length,
      patients: {
        total: cohort.length,
        released: remaining.length,
        generalized: remaining.filter((p) => (level.get(p.id) ?? 0) > 0).length,
        suppressed: suppressedPatients.length,
      },
      suppressed:
        suppressedPatients.length === 0
          ? []
          : [{ reason, patients: suppressedPatients.length, rows: rowsSuppressed }],
      rowsSuppressed,
    },
  };
}
