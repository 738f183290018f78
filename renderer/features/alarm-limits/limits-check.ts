import type { AlarmLimits } from '../../../shared/catalog/vital-signs';

export const LIMIT_FIELDS = ['criticalLow', 'low', 'high', 'criticalHigh'] as const;
export type LimitField = (typeof LIMIT_FIELDS)[number];
export type LimitDraft = Record<LimitField, string>;

export const LIMIT_LABELS: Record<LimitField, string> = {
  criticalLow: 'Critical low',
  low: 'Low',
  high: 'High',
  criticalHigh: 'Critical high',
};

export const draftOf = (l: AlarmLimits): LimitDraft => ({
  criticalLow: String(l.criticalLow),
  low: String(l.low),
  high: String(l.high),
  criticalHigh: String(l.criticalHigh),
});

/**
 * The node's rule (shared/api/vitals.ts `limitsInput`: criticalLow ≤ low < high ≤ criticalHigh),
 * checked before sending so each message sits on the field that breaks it. The node checks again.
 */
export function checkLimits(draft: LimitDraft): {
  limits?: AlarmLimits;
  errors: Partial<Record<LimitField, string>>;
} {
  const errors: Partial<Record<LimitField, string>> = {};
  const n = {} as Record<LimitField, number>;
  for (const field of LIMIT_FIELDS) {
    const text = draft[field].trim().replace(',', '.');
    const value = Number(text);
    if (text === '') errors[field] = 'Enter a number.';
    else if (!Number.isFinite(value)) errors[field] = `"${draft[field].trim()}" is not a number.`;
    else n[field] = value;
  }
  if (Object.keys(errors).length > 0) return { errors };
  if (n.low >= n.high) errors.low = `Low must be below high (${n.high}).`;
  if (n.criticalLow > n.low) errors.criticalLow = `Critical low must be at or below low (${n.low}).`;
  if (n.criticalHigh < n.high) errors.criticalHigh = `Critical high must be at or above high (${n.high}).`;
  if (Object.keys(errors).length > 0) return { errors };
  return { limits: n, errors };
}
