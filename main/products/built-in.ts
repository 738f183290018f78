import { productDefinition, type ProductDefinition } from '../../shared/api/products';

/**
 * The products every node has from its first start, so a researcher can export on a fresh node.
 * They are data validated by the same schema IT's definitions go through; IT may publish new
 * versions of them (e.g. to narrow who may export), never edit a published one.
 */
export const VITALS_RAW: ProductDefinition = productDefinition.parse({
  name: 'vitals-raw',
  owner: 'Facility bedside data domain',
  description:
    'Every vital sign in the code catalog, one row per numeric observation as the monitor reported it (raw grain).',
  codes: '*',
  grain: 'raw',
  fields: ['patient', 'age_band', 'sex', 'zip3', 'unit_type', 'time', 'code', 'value', 'unit', 'device_type'],
  quality: [
    { check: 'out_of_range', maxShare: 0.01 },
    { check: 'missing', maxShare: 0.05 },
  ],
});

export const VITALS_1MIN: ProductDefinition = productDefinition.parse({
  name: 'vitals-1min',
  owner: 'Facility bedside data domain',
  description:
    'Every vital sign in the code catalog as one-minute aggregates per patient and code: mean, min, max and count.',
  codes: '*',
  grain: '1min',
  fields: ['patient', 'age_band', 'sex', 'zip3', 'unit_type', 'time', 'code', 'value', 'unit'],
  quality: [
    { check: 'out_of_range', maxShare: 0.01 },
    { check: 'missing', maxShare: 0.05 },
  ],
});

export const BUILT_IN_PRODUCTS: readonly ProductDefinition[] = [VITALS_RAW, VITALS_1MIN];
export const isBuiltInProduct = (name: string): boolean => BUILT_IN_PRODUCTS.some((p) => p.name === name);
