import type { ProductDefinition, QualityReport } from '../../shared/api/products';

/**
 * Physiologically possible ranges per catalog id, in the catalog's UCUM unit: a value outside
 * is a measurement or transmission error, not a sick patient (these are far wider than alarm
 * limits). Codes without a range are never counted out of range.
 */
export const PLAUSIBLE: Readonly<Record<string, readonly [number, number]>> = {
  hr: [15, 300],
  'pulse-spo2': [15, 300],
  'pulse-nibp': [15, 300],
  spo2: [30, 100],
  rr: [0, 90],
  temp: [25, 45],
  etco2: [0, 150],
  'nibp-sys': [30, 300],
  'nibp-dia': [10, 220],
  'nibp-mean': [15, 250],
  'ibp-sys': [30, 300],
  'ibp-dia': [10, 220],
  'ibp-mean': [15, 250],
};

export const isOutOfRange = (code: string, value: number): boolean => {
  const r = PLAUSIBLE[code];
  return r !== undefined && (value < r[0] || value > r[1]);
};

/** Counts a release's rows as they pass, then judges them against the product's checks. */
export class QualityCounter {
  private rows = 0;
  private missing = 0;
  private outOfRange = 0;
  private readonly byCode = new Map<string, { rows: number; missing: number; outOfRange: number }>();

  private entry(code: string) {
    let e = this.byCode.get(code);
    if (!e) this.byCode.set(code, (e = { rows: 0, missing: 0, outOfRange: 0 }));
    return e;
  }

  /** A row with a value; `min`/`max` judge an aggregate by its extremes. */
  add(code: string, min: number, max: number): void {
    const e = this.entry(code);
    this.rows++;
    e.rows++;
    if (isOutOfRange(code, min) || isOutOfRange(code, max)) {
      this.outOfRange++;
      e.outOfRange++;
    }
  }

  /** Counts already summed (the catalog's one-pass figures). */
  addCounts(code: string, rows: number, missing: number, outOfRange: number): void {
    const e = this.entry(code);
    this.rows += rows;
    e.rows += rows;
    this.missing += missing;
    e.missing += missing;
    this.outOfRange += outOfRange;
    e.outOfRange += outOfRange;
  }

  /** Source observations of the product's codes that carried no numeric value. */
  addMissing(code: string, n: number): void {
    this.missing += n;
    this.entry(code).missing += n;
  }

  report(checks: ProductDefinition['quality']): QualityReport {
    const denominator = this.rows + this.missing;
    const missingShare = denominator === 0 ? 0 : this.missing / denominator;
    const outOfRangeShare = this.rows === 0 ? 0 : this.outOfRange / this.rows;
    return {
      rows: this.rows,
      missing: this.missing,
      outOfRange: this.outOfRange,
      missingShare,
      outOfRangeShare,
      checks: checks.map((c) => {
        const share = c.check === 'missing' ? missingShare : outOfRangeShare;
        return { check: c.check, maxShare: c.maxShare, share, passed: share <= c.maxShare };
      }),
      byCode: Object.fromEntries([...this.byCode].sort(([a], [b]) => a.localeCompare(b))),
    };
  }
}
