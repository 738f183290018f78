import { describe, expect, it } from 'vitest';
import {
  CatalogConfigError,
  DEFAULT_CATALOG,
  VITAL_SIGNS,
  createVitalCatalog,
  normaliseUcum,
} from './vital-signs';

describe('vital-sign catalog', () => {
  it('resolves MDC numbers, MDC reference ids and LOINC to one entry', () => {
    expect(DEFAULT_CATALOG.lookup('150456', 'MDC')?.vital.id).toBe('spo2');
    expect(DEFAULT_CATALOG.lookup('MDC_PULS_OXIM_SAT_O2', 'MDC')?.vital.id).toBe('spo2');
    expect(DEFAULT_CATALOG.lookup('59408-5', 'LN')?.vital.id).toBe('spo2');
    expect(DEFAULT_CATALOG.lookup('2708-6', 'http://loinc.org')?.vital.id).toBe('spo2');
    expect(DEFAULT_CATALOG.lookup('8867-4', 'LN')?.vital.id).toBe('hr');
    // Vendors differ in the NIBP term they send: both land on one id.
    expect(DEFAULT_CATALOG.lookup('150021', 'MDC')?.vital.id).toBe('nibp-sys');
    expect(DEFAULT_CATALOG.lookup('150301', 'MDC')?.vital.id).toBe('nibp-sys');
    expect(DEFAULT_CATALOG.lookup('150039', 'MDC')?.vital.bp).toEqual({ group: 'ibp', part: 'mean' });
    expect(DEFAULT_CATALOG.lookup('', 'MDC', 'MDC_RESP_RATE')?.vital.id).toBe('rr');
    expect(DEFAULT_CATALOG.lookup('188424', 'MDC')?.vital.id).toBe('temp');
    expect(DEFAULT_CATALOG.lookup('151708', 'MDC')?.vital.ucum).toBe('mm[Hg]');
    expect(DEFAULT_CATALOG.lookup('69965', 'MDC')).toBeUndefined();
    expect(DEFAULT_CATALOG.lookup('1554-5', 'LN')).toBeUndefined();
  });

  it('has every parameter the issue names, each with sane default limits', () => {
    const ids = VITAL_SIGNS.map((v) => v.id);
    for (const id of [
      'hr',
      'pulse-spo2',
      'spo2',
      'nibp-sys',
      'nibp-dia',
      'nibp-mean',
      'ibp-sys',
      'ibp-dia',
      'ibp-mean',
      'rr',
      'temp',
      'etco2',
    ]) {
      expect(ids).toContain(id);
    }
    for (const v of VITAL_SIGNS) {
      const l = v.limits;
      expect(l, v.id).toBeDefined();
      if (l) expect(l.criticalLow <= l.low && l.low < l.high && l.high <= l.criticalHigh, v.id).toBe(true);
    }
  });

  it('maps MDC units and normalises UCUM annotations', () => {
    expect(DEFAULT_CATALOG.unitToUcum('266016', 'MDC', 'MDC_DIM_MMHG')).toBe('mm[Hg]');
    expect(DEFAULT_CATALOG.unitToUcum('MDC_DIM_BEAT_PER_MIN')).toBe('/min');
    expect(DEFAULT_CATALOG.unitToUcum('262688', 'MDC')).toBe('%');
    expect(DEFAULT_CATALOG.unitToUcum('{beat}/min', 'UCUM')).toBe('/min');
    expect(DEFAULT_CATALOG.unitToUcum('mm[Hg]', 'UCUM')).toBe('mm[Hg]');
    expect(normaliseUcum('{breath}/min')).toBe('/min');
    expect(normaliseUcum('1/min')).toBe('/min');
    expect(normaliseUcum('{score}')).toBe('1');
  });

  it('extends with validated local codes and refuses contradictions', () => {
    const catalog = createVitalCatalog([
      { code: 'HR-LOCAL', system: 'ACME', id: 'hr' },
      { code: 'CVP', system: 'ACME', id: 'cvp', display: 'Central venous pressure', ucum: 'mm[Hg]' },
    ]);
    expect(catalog.lookup('HR-LOCAL', 'acme')?.vital.id).toBe('hr');
    expect(catalog.lookup('CVP', 'ACME')).toMatchObject({
      via: 'local',
      vital: { display: 'Central venous pressure' },
    });
    expect(catalog.byId('cvp')?.ucum).toBe('mm[Hg]');
    expect(() => createVitalCatalog([{ code: 'X', system: 'L', id: 'new-thing' }])).toThrow(
      CatalogConfigError,
    );
    expect(() => createVitalCatalog([{ code: 'X', system: 'L', id: 'spo2', ucum: 'mm[Hg]' }])).toThrow(
      /differs/,
    );
    expect(() => createVitalCatalog([{ code: 'X', system: 'L', id: 'Bad Id' }])).toThrow(CatalogConfigError);
    expect(() =>
      createVitalCatalog([
        { code: 'X', system: 'L', id: 'hr' },
        { code: 'X', system: 'l', id: 'rr' },
      ]),
    ).toThrow(/twice/);
  });
});
