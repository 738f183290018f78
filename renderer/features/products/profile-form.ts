import type { ApiErrorBody } from '../../../shared/api/errors';
import {
  ALLOWED_METHODS,
  PRODUCT_FIELDS,
  QUASI_IDENTIFIERS,
  deidProfile,
  type DeidProfile,
  type FieldMethod,
  type FieldMethodName,
  type ProductField,
  type QuasiIdentifier,
} from '../../../shared/api/products';

/**
 * The de-identification profile editor's model: a form (strings as typed) ↔ a profile, and the
 * schema's issues placed on the form's own keys (`name`, `fields.time`, `k`, `qis`, …), so each
 * message shows next to the control that is wrong. The schema is the contract's: the editor and
 * the node refuse the same things with the same words.
 */

export interface FieldRow {
  method: FieldMethodName;
  maxDays: string;
  bandYears: string;
  top: string;
  grain: string;
  noise: 'abs' | 'rel';
  amount: string;
}

export interface ProfileForm {
  name: string;
  description: string;
  fields: Record<ProductField, FieldRow>;
  k: string;
  qis: QuasiIdentifier[];
  onSmallClass: 'suppress' | 'generalize';
}

export const METHOD_LABELS: Record<FieldMethodName, string> = {
  keep: 'keep',
  redact: 'redact (column kept, empty)',
  suppress: 'suppress (no column)',
  pseudonymize: 'pseudonymize (keyed HMAC)',
  dateshift: 'date shift per patient',
  generalize: 'generalize',
  perturb: 'perturb (bounded noise)',
};

function rowOf(field: ProductField, m: FieldMethod | undefined): FieldRow {
  const row: FieldRow = {
    method: m?.method ?? 'suppress',
    maxDays: '365',
    bandYears: '5',
    top: '90',
    grain: 'day',
    noise: 'abs',
    amount: '',
  };
  if (!ALLOWED_METHODS[field].includes(row.method)) row.method = 'suppress';
  if (m?.method === 'dateshift') row.maxDays = String(m.maxDays);
  if (m?.method === 'generalize') {
    if (m.bandYears !== undefined) row.bandYears = String(m.bandYears);
    if (m.top !== undefined) row.top = String(m.top);
    if (m.grain) row.grain = m.grain;
  }
  if (m?.method === 'perturb') {
    row.noise = m.maxRelative !== undefined ? 'rel' : 'abs';
    row.amount = String(m.maxRelative ?? m.maxAbs ?? '');
  }
  return row;
}

export function formOf(p: DeidProfile): ProfileForm {
  const fields = {} as Record<ProductField, FieldRow>;
  for (const f of PRODUCT_FIELDS) fields[f] = rowOf(f, p.fields[f]);
  return {
    name: p.name,
    description: p.description,
    fields,
    k: String(p.kAnonymity.k),
    qis: [...p.kAnonymity.quasiIdentifiers],
    onSmallClass: p.kAnonymity.onSmallClass,
  };
}

/** A typed number, or the text itself so the schema names the field ("expected number"). */
const num = (text: string): number | string => {
  const t = text.trim();
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) : t;
};

function methodOf(field: ProductField, r: FieldRow): Record<string, unknown> {
  switch (r.method) {
    case 'dateshift':
      return { method: 'dateshift', maxDays: num(r.maxDays) };
    case 'generalize':
      if (field === 'age_band') return { method: 'generalize', bandYears: num(r.bandYears), top: num(r.top) };
      if (field === 'time') return { method: 'generalize', grain: r.grain };
      return { method: 'generalize' };
    case 'perturb':
      return { method: 'perturb', [r.noise === 'rel' ? 'maxRelative' : 'maxAbs']: num(r.amount) };
    case 'keep':
    case 'redact':
    case 'suppress':
    case 'pseudonymize':
      return { method: r.method };
    default: {
      const never: never = r.method;
      throw new Error(`unknown method ${String(never)}`);
    }
  }
}

/** The profile the form says, as the API takes it (unchecked). */
export function definitionOf(form: ProfileForm): unknown {
  const fields: Record<string, unknown> = {};
  for (const f of PRODUCT_FIELDS) fields[f] = methodOf(f, form.fields[f]);
  return {
    name: form.name.trim(),
    description: form.description,
    fields,
    kAnonymity: {
      k: num(form.k),
      // In the contract's order, whatever order they were ticked in.
      quasiIdentifiers: QUASI_IDENTIFIERS.filter((q) => form.qis.includes(q)),
      onSmallClass: form.onSmallClass,
    },
  };
}

/** Where an issue's path shows on the form; the node's paths start with `definition.`. */
export function formKey(path: string): string {
  const parts = path.replace(/^definition\./, '').split('.');
  if (parts[0] === 'fields' && parts[1]) return `fields.${parts[1]}`;
  if (parts[0] === 'kAnonymity')
    return parts[1] === 'k' ? 'k' : parts[1] === 'onSmallClass' ? 'onSmallClass' : 'qis';
  return parts[0] || 'general';
}

export type FormErrors = Record<string, string>;

/** Checks the form with the contract's schema: the profile to send, or the errors by form key. */
export function checkForm(form: ProfileForm): { profile: DeidProfile } | { errors: FormErrors } {
  const parsed = deidProfile.safeParse(definitionOf(form));
  if (parsed.success) return { profile: parsed.data };
  return {
    errors: placeIssues(parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message }))),
  };
}

export function placeIssues(
  issues: readonly { path: string; message: string }[],
  keyOf: (path: string) => string = formKey,
): FormErrors {
  const out: FormErrors = {};
  for (const i of issues) {
    const key = keyOf(i.path);
    out[key] = out[key] ? `${out[key]}; ${i.message}` : i.message;
  }
  return out;
}

/** A node's refusal on the form: schema issues where they belong, the rest as a general error. */
export function errorsOfAnswer(error: ApiErrorBody, keyOf: (path: string) => string = formKey): FormErrors {
  const placed = error.issues?.length ? placeIssues(error.issues, keyOf) : {};
  return Object.keys(placed).length ? placed : { general: error.message };
}
