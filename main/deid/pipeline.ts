import type { GateReport } from '../../shared/api/exports';
import {
  GRAIN_MS,
  type DeidProfile,
  type FieldMethod,
  type Grain,
  type ProductDefinition,
  type ProductField,
} from '../../shared/api/products';
import { VITAL_SIGNS } from '../../shared/catalog/vital-signs';
import { QualityCounter } from '../products/quality';
import {
  MAX_TIME,
  MIN_TIME,
  SourceReader,
  decodePosition,
  encodePosition,
  productCodes,
  startPosition,
  type Position,
  type ProductRow,
  type SourceQuery,
} from '../products/source';
import type { Versioned } from '../products/versioned-store';
import type { Db } from '../store/database';
import { loadCohort, loadCohortAsync, type CohortPatient } from './cohort';
import { applyKGate, type GateDecision } from './k-gate';
import { columnsFor, type Column } from './columns';
import {
  assertKey,
  deviceType,
  noiseSeed,
  perturb,
  pseudonym,
  shiftDays,
  shiftMs,
  truncateTime,
} from './transforms';

/**
 * The release pipeline: product rows → de-identification → k-anonymity gate, as batches. It is a
 * function of (product version, profile version, key, range, cursor) and nothing else, so the
 * export writer and the mesh stream (issue 8) run the same code, and a resumed stream continues
 * exactly where it stopped: the cursor carries the snapshot, the gate is recomputed from it and
 * comes out the same.
 *
 * Only de-identified values leave it: a batch row holds nothing but the profile's output.
 */

export interface ReleaseRequest {
  readonly product: Versioned<ProductDefinition>;
  readonly profile: Versioned<DeidProfile>;
  /** The pseudonym / date-shift key: one per export or per agreement (≥ 32 bytes). */
  readonly key: Buffer;
  /** Observation time range (true time), epoch ms; from inclusive, to exclusive. */
  readonly from?: number | undefined;
  readonly to?: number | undefined;
  /** Resume after this cursor (from a previous batch of the same request). */
  readonly cursor?: string | undefined;
  readonly pageSize?: number | undefined;
}

/** A patient as the release shows them: everything rows need, nothing that identifies. */
interface PatientOut {
  readonly pseudonym: string;
  readonly shiftMs: number;
  readonly decision: Extract<GateDecision, { released: true }>;
}

export interface ReleasePlan {
  readonly request: ReleaseRequest;
  readonly query: SourceQuery;
  readonly columns: readonly Column[];
  readonly gate: GateReport;
  /** Product rows the released patients have (what a complete run yields). */
  readonly releasedRows: number;
  /** Product rows before the gate. */
  readonly totalRows: number;
  /** Counts what the batches yield; read its report when the run ends. */
  readonly quality: QualityCounter;
  readonly start: Position;
  readonly upTo: number;
  readonly patients: ReadonlyMap<number, PatientOut>;
  /**
   * The perturbation seed, taken from the key when planning: a caller wipes its key once the plan
   * is made (the exporter does), and noise seeded from a wiped key would be the same for everyone.
   */
  readonly noiseSeed: number;
  /** devices.id → device type (an MDC term or `other`), judged once: devices are few, rows many. */
  readonly deviceTypes: ReadonlyMap<number, string>;
}

export type OutValue = string | number | null;

export interface ReleaseBatch {
  /** Row-major, in `plan.columns` order. */
  readonly rows: OutValue[][];
  /** Product rows read for this batch, released or not (progress against plan.totalRows). */
  readonly read: number;
  /** Resume point after this batch. */
  readonly cursor: string;
}

export class CursorError extends Error {
  override name = 'CursorError';
}

const encodeCursor = (upTo: number, p: Position): string => `v1.${upTo}.${encodePosition(p)}`;

function decodeCursor(cursor: string, product: ProductDefinition): { upTo: number; position: Position } {
  const m = /^v1\.(\d+)\.(.+)$/.exec(cursor);
  const position = m ? decodePosition(m[2]!) : undefined;
  if (!m || !position || (position.kind === 'raw') !== (product.grain === 'raw')) {
    throw new CursorError(`cursor "${cursor.slice(0, 60)}" is not a cursor of product ${product.name}`);
  }
  return { upTo: Number(m[1]), position };
}

/**
 * The cursor that continues a finished raw-grain release over a newer snapshot: the same position
 * (past every row already yielded) with a higher `upTo`. Raw rows are read in id order and ids only
 * grow, so nothing is skipped or repeated; the gate is recomputed over the new snapshot. Aggregated
 * grains have no such continuation (their order is by patient). Used by the mesh's periodic pulls.
 */
export function continueCursor(cursor: string, product: ProductDefinition, upTo: number): string | undefined {
  if (product.grain !== 'raw') return undefined;
  const { upTo: was, position } = decodeCursor(cursor, product);
  return upTo > was ? encodeCursor(upTo, position) : undefined;
}

/** Finds the release's patients, runs the k gate and fixes the columns. No row is read yet. */
export function planRelease(db: Db, request: ReleaseRequest): ReleasePlan {
  const { query, start, upTo } = releaseQuery(db, request);
  return planFromCohort(db, request, query, start, upTo, loadCohort(db, query));
}

/**
 * planRelease with the event loop free between chunks of the patient pass, for a node that is
 * also showing live vitals: the plan is the same.
 */
export async function planReleaseAsync(db: Db, request: ReleaseRequest): Promise<ReleasePlan> {
  const { query, start, upTo } = releaseQuery(db, request);
  return planFromCohort(db, request, query, start, upTo, await loadCohortAsync(db, query));
}

function releaseQuery(
  db: Db,
  request: ReleaseRequest,
): { query: SourceQuery; start: Position; upTo: number } {
  assertKey(request.key);
  const product = request.product.definition;
  const resumed = request.cursor ? decodeCursor(request.cursor, product) : undefined;
  const upTo =
    resumed?.upTo ??
    (db.prepare('SELECT coalesce(max(id), 0) AS m FROM observations').get() as { m: number }).m;
  const query: SourceQuery = {
    codes: productCodes(product),
    grain: product.grain,
    from: request.from ?? MIN_TIME,
    to: request.to ?? MAX_TIME,
    upTo,
  };
  return { query, start: resumed?.position ?? startPosition(product.grain), upTo };
}

function planFromCohort(
  db: Db,
  request: ReleaseRequest,
  query: SourceQuery,
  start: Position,
  upTo: number,
  cohort: CohortPatient[],
): ReleasePlan {
  const product = request.product.definition;
  const profile = request.profile.definition;
  const { decisions, report } = applyKGate(cohort, profile);
  const quality = new QualityCounter();
  const patients = new Map<number, PatientOut>();
  const timeMethod = profile.fields.time;
  const maxDays = timeMethod?.method === 'dateshift' ? timeMethod.maxDays : 0;
  let releasedRows = 0;
  for (const p of cohort) {
    const decision = decisions.get(p.id)!;
    if (!decision.released) continue;
    releasedRows += p.rows;
    // Missing values count toward the quality of what is released, by the patients released.
    for (const [code, n] of p.missing) quality.addMissing(code, n);
    patients.set(p.id, {
      pseudonym: pseudonym(request.key, 'patient', p.id),
      shiftMs: maxDays > 0 ? shiftMs(shiftDays(request.key, p.id, maxDays)) : 0,
      decision,
    });
  }
  return {
    request,
    query,
    columns: columnsFor(product, profile),
    gate: report,
    releasedRows,
    totalRows: cohort.reduce((n, p) => n + p.rows, 0),
    quality,
    start,
    upTo,
    patients,
    noiseSeed: noiseSeed(request.key),
    deviceTypes: new Map(
      (db.prepare('SELECT id, kind FROM devices').raw().all() as [number, string | null][]).map(
        ([id, kind]) => [id, deviceType(kind)],
      ),
    ),
  };
}

type Cell = (row: ProductRow, p: PatientOut) => OutValue;

const UNKNOWN_DEVICE = deviceType(null);
const LOINC = new Map(VITAL_SIGNS.map((v) => [v.id, v.loinc[0] ?? null]));

/** One function per output column, chosen once per release (not per row). */
function cellFunctions(plan: ReleasePlan): Cell[] {
  const profile = plan.request.profile.definition;
  const seed = plan.noiseSeed;
  const method = (field: ProductField): FieldMethod => profile.fields[field] ?? { method: 'suppress' };
  const numeric = (pick: (r: ProductRow) => number, salt: number): Cell => {
    const m = method('value');
    if (m.method !== 'perturb') return (r) => pick(r);
    return (r) => {
      const v = pick(r);
      const bound = m.maxAbs ?? Math.abs(v) * (m.maxRelative ?? 0);
      return perturb(v, seed, r.rowKey * 4 + salt, bound);
    };
  };
  return plan.columns.map((c): Cell => {
    const m = method(c.field);
    if (m.method === 'redact') return () => null;
    switch (c.name) {
      case 'patient':
        return (_r, p) => p.pseudonym;
      case 'age_band':
        return (_r, p) => p.decision.values.age_band ?? null;
      case 'sex':
        return (_r, p) => p.decision.values.sex ?? null;
      case 'zip3':
        return (_r, p) => p.decision.values.zip3 ?? null;
      case 'unit_type':
        return (_r, p) => p.decision.values.unit_type ?? null;
      case 'time':
        if (m.method === 'dateshift') return (r, p) => r.time + p.shiftMs;
        if (m.method === 'generalize') {
          const grain = m.grain!;
          return (r) => truncateTime(r.time, grain);
        }
        return (r) => r.time;
      case 'code':
        return (r) => r.code;
      case 'loinc':
        return (r) => LOINC.get(r.code) ?? null;
      case 'value':
      case 'value_mean':
        return numeric((r) => r.value, 0);
      case 'value_min':
        return numeric((r) => r.min, 1);
      case 'value_max':
        return numeric((r) => r.max, 2);
      case 'value_count':
        return (r) => r.count;
      case 'unit':
        return (r) => r.unit;
      case 'device_type':
        return (r) =>
          r.deviceId === null ? UNKNOWN_DEVICE : (plan.deviceTypes.get(r.deviceId) ?? UNKNOWN_DEVICE);
      default:
        throw new Error(`no transform for column ${c.name}`);
    }
  });
}

/**
 * Yields the release's batches from the plan's start (or its cursor). Synchronous by design: each
 * batch is one page query, and the caller decides when to ask for the next (after its write
 * drained, after the network took the last one), which is the back-pressure.
 */
export function* releaseBatches(db: Db, plan: ReleasePlan): Generator<ReleaseBatch, void, undefined> {
  const reader = new SourceReader(db, plan.query, plan.request.pageSize ?? 5000);
  const cells = cellFunctions(plan);
  const width = cells.length;
  let at: Position | undefined = plan.start;
  while (at) {
    const page = reader.page(at);
    const rows: OutValue[][] = [];
    for (const r of page.rows) {
      const p = plan.patients.get(r.patientId);
      if (!p) continue; // held back by the gate
      plan.quality.add(r.code, r.min, r.max);
      const out = new Array<OutValue>(width);
      for (let i = 0; i < width; i++) out[i] = cells[i]!(r, p);
      rows.push(out);
    }
    const next = page.next;
    // The cursor after a final page points past everything read, so resuming yields nothing.
    const after: Position = next ?? positionAfter(at, page.rows.at(-1), plan.query.grain);
    yield { rows, read: page.rows.length, cursor: encodeCursor(plan.upTo, after) };
    at = next;
  }
}

function positionAfter(at: Position, last: ProductRow | undefined, grain: Grain): Position {
  if (!last) return at;
  return at.kind === 'raw' || grain === 'raw'
    ? { kind: 'raw', afterId: last.rowKey }
    : { kind: 'agg', patientId: last.patientId, code: last.code, time: last.time + GRAIN_MS[grain] };
}
