import {
  PRODUCT_FIELDS,
  type DeidProfile,
  type ProductDefinition,
  type ProductField,
} from '../../shared/api/products';

/** An output column: what a recipient's schema says, for every format alike. */
export interface Column {
  readonly name: string;
  /** The product field it comes from (its de-identification method applies). */
  readonly field: ProductField;
  readonly type: 'string' | 'timestamp' | 'double' | 'int';
  readonly description: string;
}

const DESCRIPTIONS: Record<ProductField, string> = {
  patient:
    'keyed pseudonym of the patient (HMAC-SHA256, key per export or agreement); stable within one release',
  age_band:
    'age at the first observation in the release, in bands (90+ as one band); * when generalized away',
  sex: 'administrative sex: female, male, other or unknown; * when generalized away',
  zip3: 'first three digits of the residential ZIP (000 for sparsely populated areas); * when generalized away',
  unit_type: 'type of the care unit (icu, ward, ed, …), never its name; * when generalized away',
  time: 'observation time (UTC), shifted or truncated as the profile says',
  code: 'VitalMesh catalog id of the vital sign (hr, spo2, nibp-sys, …)',
  value: 'numeric value in the unit given',
  unit: 'UCUM unit',
  device_type: 'monitor or channel type as an IEEE 11073 MDC term; never an identifier or serial',
};

/**
 * The columns of a release: the product's fields in one fixed order, without the ones the
 * profile suppresses (or doesn't mention: unlisted means suppressed). Aggregated grains expose
 * `value` as mean, min, max and count; a kept code also gets its LOINC code.
 */
export function columnsFor(product: ProductDefinition, profile: DeidProfile): Column[] {
  const out: Column[] = [];
  for (const field of PRODUCT_FIELDS) {
    if (!product.fields.includes(field)) continue;
    const m = profile.fields[field];
    if (!m || m.method === 'suppress') continue;
    const description = DESCRIPTIONS[field];
    if (field === 'time') out.push({ name: 'time', field, type: 'timestamp', description });
    else if (field === 'value' && product.grain !== 'raw') {
      out.push(
        { name: 'value_mean', field, type: 'double', description: `mean over the ${product.grain} interval` },
        { name: 'value_min', field, type: 'double', description: `lowest value in the interval` },
        { name: 'value_max', field, type: 'double', description: `highest value in the interval` },
        { name: 'value_count', field, type: 'int', description: `observations in the interval` },
      );
    } else if (field === 'value') out.push({ name: 'value', field, type: 'double', description });
    else out.push({ name: field, field, type: 'string', description });
    if (field === 'code')
      out.push({ name: 'loinc', field, type: 'string', description: 'LOINC code of the vital sign' });
  }
  return out;
}
