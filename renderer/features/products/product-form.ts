import {
  PRODUCT_FIELDS,
  productDefinition,
  type Grain,
  type ProductDefinition,
  type ProductField,
} from '../../../shared/api/products';
import { placeIssues, type FormErrors } from './profile-form';

/**
 * The product definition editor's model: a form (strings as typed) ↔ a definition, checked
 * with the contract's schema, each issue on the form key of its control (`name`, `codes`,
 * `fields`, `quality`, `researchers`, `profiles`).
 */
export interface ProductForm {
  name: string;
  owner: string;
  description: string;
  allCodes: boolean;
  codes: string[];
  grain: Grain;
  fields: ProductField[];
  /** Percentages as typed; empty means the check is not run. */
  maxOutOfRange: string;
  maxMissing: string;
  allResearchers: boolean;
  researchers: string;
  profiles: string[];
}

export const NEW_PRODUCT: ProductDefinition = productDefinition.parse({
  name: 'my-product',
  owner: 'Facility bedside data domain',
  description: 'What this product holds and what it is for.',
  codes: ['hr', 'spo2'],
  grain: '5min',
  fields: ['patient', 'age_band', 'sex', 'unit_type', 'time', 'code', 'value', 'unit'],
  quality: [{ check: 'out_of_range', maxShare: 0.01 }],
});

const percent = (share: number | undefined): string =>
  share === undefined ? '' : String(Math.round(share * 100_000) / 1000);

export function productFormOf(d: ProductDefinition): ProductForm {
  const check = (c: 'out_of_range' | 'missing') => d.quality.find((q) => q.check === c)?.maxShare;
  return {
    name: d.name,
    owner: d.owner,
    description: d.description,
    allCodes: d.codes === '*',
    codes: d.codes === '*' ? [] : [...d.codes],
    grain: d.grain,
    fields: [...d.fields],
    maxOutOfRange: percent(check('out_of_range')),
    maxMissing: percent(check('missing')),
    allResearchers: d.access.researchers === 'all',
    researchers: d.access.researchers === 'all' ? '' : d.access.researchers.join(', '),
    profiles: [...d.access.profiles],
  };
}

/** A percentage as a share, or the text itself so the schema says what is wrong with it. */
const share = (text: string): number | string => {
  const t = text.trim().replace(/\s*%$/, '');
  return t !== '' && Number.isFinite(Number(t)) ? Number(t) / 100 : text;
};

export function productDefinitionOf(f: ProductForm): unknown {
  const quality: unknown[] = [];
  if (f.maxOutOfRange.trim() !== '')
    quality.push({ check: 'out_of_range', maxShare: share(f.maxOutOfRange) });
  if (f.maxMissing.trim() !== '') quality.push({ check: 'missing', maxShare: share(f.maxMissing) });
  return {
    name: f.name.trim(),
    owner: f.owner,
    description: f.description,
    codes: f.allCodes ? '*' : f.codes,
    grain: f.grain,
    // In the contract's order, whatever order they were ticked in.
    fields: PRODUCT_FIELDS.filter((x) => f.fields.includes(x)),
    quality,
    access: {
      researchers: f.allResearchers
        ? 'all'
        : f.researchers
            .split(',')
            .map((r) => r.trim())
            .filter((r) => r !== ''),
      profiles: f.profiles,
    },
  };
}

/** Where an issue's path shows on the product form (`access.researchers` → `researchers`). */
export function productFormKey(path: string): string {
  const parts = path.replace(/^definition\./, '').split('.');
  if (parts[0] === 'access') return parts[1] === 'profiles' ? 'profiles' : 'researchers';
  return parts[0] || 'general';
}

export function checkProductForm(f: ProductForm): { definition: ProductDefinition } | { errors: FormErrors } {
  const parsed = productDefinition.safeParse(productDefinitionOf(f));
  if (parsed.success) return { definition: parsed.data };
  return {
    errors: placeIssues(
      parsed.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })),
      productFormKey,
    ),
  };
}
