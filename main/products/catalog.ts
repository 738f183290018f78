import type { Principal } from '../api/context';
import {
  GRAIN_MS,
  productDefinition,
  type ProductDefinition,
  type ProductDescription,
  type QualityReport,
} from '../../shared/api/products';
import type { Db } from '../store/database';
import { BUILT_IN_PRODUCTS, isBuiltInProduct } from './built-in';
import { columnsFor } from '../deid/columns';
import { SAFE_HARBOR } from '../deid/profiles';
import { PLAUSIBLE, QualityCounter } from './quality';
import { productCodes } from './source';
import { VersionedStore, type Versioned } from './versioned-store';

/** May this caller export this product? Researchers only, and only those its access names. */
export function mayExport(definition: ProductDefinition, principal: Principal | undefined): boolean {
  if (principal?.role !== 'researcher') return false;
  const { researchers } = definition.access;
  return researchers === 'all' || researchers.includes(principal.username);
}

interface Stats {
  rowCount: number;
  coverage: { from: string | null; to: string | null };
  quality: QualityReport;
}

/**
 * Per code over the whole store: product rows (observations, or intervals when aggregated),
 * values missing, values outside the plausible range, first and last time. One pass over the
 * covering index; the ranges are constants from PLAUSIBLE, written into the SQL as numbers.
 */
export function statsSql(codes: readonly string[], grain: ProductDefinition['grain']): string {
  const ranges = codes
    .filter((c) => PLAUSIBLE[c])
    .map((c) => {
      const [lo, hi] = PLAUSIBLE[c]!;
      return `WHEN '${c.replace(/'/g, "''")}' THEN (value_num < ${lo} OR value_num > ${hi})`;
    });
  const cond = ranges.length ? `(CASE code ${ranges.join(' ')} ELSE 0 END)` : '0';
  // Aggregates count intervals: an interval is out of range when one of its values is.
  const bucket = grain === 'raw' ? '' : `patient_id || ':' || (observed_at / ${GRAIN_MS[grain]})`;
  const rows =
    grain === 'raw'
      ? 'sum(value_num IS NOT NULL)'
      : `count(DISTINCT CASE WHEN value_num IS NOT NULL THEN ${bucket} END)`;
  const oor = grain === 'raw' ? `sum(${cond})` : `count(DISTINCT CASE WHEN ${cond} THEN ${bucket} END)`;
  return `SELECT code, ${rows} AS n, sum(value_num IS NULL) AS missing, ${oor} AS oor,
    min(CASE WHEN value_num IS NOT NULL THEN observed_at END) AS first,
    max(CASE WHEN value_num IS NOT NULL THEN observed_at END) AS last
    FROM observations WHERE code IN (${codes.map(() => '?').join(', ')}) GROUP BY code`;
}

/**
 * The data product catalog: versioned definitions (product_definitions) and what the store holds
 * for each — row count, time coverage, quality and lineage. Figures are cached per product
 * version until new observations arrive (the highest observation id moves).
 */
export class ProductCatalog {
  readonly definitions: VersionedStore<typeof productDefinition>;
  private readonly cache = new Map<string, { mark: string; stats: Stats }>();

  constructor(private readonly db: Db) {
    this.definitions = new VersionedStore(db, 'product_definitions', productDefinition, 'data product');
    this.definitions.seed(BUILT_IN_PRODUCTS);
  }

  list(principal: Principal | undefined) {
    return this.definitions.latestAll().map((v) => this.summary(v, principal));
  }

  describe(name: string, version: number | undefined, principal: Principal | undefined): ProductDescription {
    const v = this.definitions.require(name, version);
    const stats = this.stats(v);
    return {
      ...this.summary(v, principal),
      definition: v.definition,
      // Columns as the default profile releases them; a profile may drop more.
      columns: columnsFor(v.definition, SAFE_HARBOR).map((c) => ({
        name: c.name,
        type: c.type,
        description: c.description,
      })),
      versions: this.definitions.versions(name).map((x) => ({
        version: x.version,
        createdAt: new Date(x.createdAt).toISOString(),
        createdBy: x.createdBy,
      })),
      ...stats,
      lineage: this.lineage(),
    };
  }

  private summary(v: Versioned<ProductDefinition>, principal: Principal | undefined) {
    return {
      name: v.name,
      version: v.version,
      owner: v.definition.owner,
      description: v.definition.description,
      grain: v.definition.grain,
      builtIn: isBuiltInProduct(v.name),
      exportable: mayExport(v.definition, principal),
    };
  }

  private stats(v: Versioned<ProductDefinition>): Stats {
    const key = `${v.name}@${v.version}`;
    const mark = JSON.stringify(
      this.db.prepare('SELECT max(id) AS m, count(*) AS n FROM observations').get(),
    );
    const cached = this.cache.get(key);
    if (cached?.mark === mark) return cached.stats;
    const codes = productCodes(v.definition);
    const rows = this.db.prepare(statsSql(codes, v.definition.grain)).all(...codes) as {
      code: string;
      n: number;
      missing: number;
      oor: number;
      first: number | null;
      last: number | null;
    }[];
    const q = new QualityCounter();
    let rowCount = 0;
    let first: number | null = null;
    let last: number | null = null;
    for (const r of rows) {
      rowCount += r.n;
      q.addCounts(r.code, r.n, r.missing, r.oor);
      if (r.first !== null && (first === null || r.first < first)) first = r.first;
      if (r.last !== null && (last === null || r.last > last)) last = r.last;
    }
    const stats: Stats = {
      rowCount,
      coverage: {
        from: first === null ? null : new Date(first).toISOString(),
        to: last === null ? null : new Date(last).toISOString(),
      },
      quality: q.report(v.definition.quality),
    };
    this.cache.set(key, { mark, stats });
    return stats;
  }

  /**
   * Which sources fed the store's observations, and how many each: HL7 v2 senders (MSH-3|MSH-4 of
   * accepted messages) and FHIR sources. A source's name, never a patient's data.
   */
  lineage(): { source: string; rows: number }[] {
    const hl7 = this.db
      .prepare(
        `SELECT 'HL7 v2 sender ' || sender AS source, sum(observation_count) AS rows FROM hl7_messages
         WHERE outcome = 'accepted' GROUP BY sender HAVING rows > 0 ORDER BY rows DESC`,
      )
      .all() as { source: string; rows: number }[];
    const fhir = this.db
      .prepare(
        `SELECT 'FHIR source ' || s.name AS source, count(*) AS rows FROM fhir_observation_rows r
         JOIN fhir_resources f ON f.id = r.resource_row JOIN fhir_sources s ON s.id = f.source_id
         GROUP BY s.id ORDER BY rows DESC`,
      )
      .all() as { source: string; rows: number }[];
    return [...hl7, ...fhir];
  }
}
