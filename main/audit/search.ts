import type { AuditFilter } from '../../shared/api/audit';
import type { Db } from '../store/database';
import { AUDIT_COLUMNS, rowToEntry, type AuditEntry } from './chain';

/**
 * Filtered, paged reads of the audit log, newest first. Every filter column has an index paired
 * with `seq`, and a time range becomes a seq range (the appender keeps `at` non-decreasing), so a
 * page is one index range read whatever the table's size. Asserted by search.test.ts with
 * EXPLAIN QUERY PLAN.
 */

/** The first and last seq of entries inside [from, to], found through the `audit_at` index. */
export const SEQ_AT_OR_AFTER = 'SELECT seq FROM audit_log WHERE at >= ? ORDER BY at, seq LIMIT 1';
export const SEQ_AT_OR_BEFORE = 'SELECT seq FROM audit_log WHERE at <= ? ORDER BY at DESC, seq DESC LIMIT 1';
/** Every access to one patient, grouped by who: served by `audit_patient`. */
export const PATIENT_SUMMARY = `
  SELECT actor, role, count(*) AS count, min(at) AS first_at, max(at) AS last_at,
         sum(break_glass_reason IS NOT NULL) AS break_glass
  FROM audit_log INDEXED BY audit_patient
  WHERE patient_id = ? AND seq BETWEEN ? AND ?
  GROUP BY actor, role ORDER BY count DESC`;

export interface SearchQuery extends AuditFilter {
  readonly before?: number | undefined;
  readonly limit: number;
}

export interface CompiledQuery {
  /** `INDEXED BY …` for the equality filter used, or '' for the primary key. */
  readonly index: string;
  readonly where: string;
  readonly params: (string | number)[];
  /** No entry can match (an empty time range): skip the query. */
  readonly empty: boolean;
}

const toMs = (iso: string | undefined): number | undefined =>
  iso === undefined ? undefined : Date.parse(iso);

/** Turns a time range into the seq range it covers. */
export function seqRange(
  db: Db,
  from: string | undefined,
  to: string | undefined,
): [number, number] | undefined {
  let low = 1;
  let high = Number.MAX_SAFE_INTEGER;
  const fromMs = toMs(from);
  const toMsValue = toMs(to);
  if (fromMs !== undefined) {
    const row = db.prepare(SEQ_AT_OR_AFTER).get(fromMs) as { seq: number } | undefined;
    if (!row) return undefined;
    low = row.seq;
  }
  if (toMsValue !== undefined) {
    const row = db.prepare(SEQ_AT_OR_BEFORE).get(toMsValue) as { seq: number } | undefined;
    if (!row) return undefined;
    high = row.seq;
  }
  return low > high ? undefined : [low, high];
}

/** The WHERE clause for a filter; bound parameters only. */
export function compileFilter(db: Db, filter: AuditFilter, before?: number): CompiledQuery {
  const range = seqRange(db, filter.from, filter.to);
  if (!range) return { index: '', where: '', params: [], empty: true };
  const clauses = ['seq BETWEEN ? AND ?'];
  const params: (string | number)[] = [
    range[0],
    before === undefined ? range[1] : Math.min(range[1], before - 1),
  ];
  const add = (clause: string, value: string | number | undefined) => {
    if (value === undefined) return;
    clauses.push(clause);
    params.push(value);
  };
  add('actor = ?', filter.actor);
  add('action = ?', filter.action);
  add('target = ?', filter.target);
  add('patient_id = ?', filter.patientId);
  add('outcome = ?', filter.outcome);
  if (filter.breakGlass) clauses.push('break_glass_reason IS NOT NULL');
  // The planner's statistics say "outcome = ok" is common and so prefers walking the primary key
  // backwards; for a rare actor or patient in a million rows that is a full scan. Each filter's
  // (column, seq) index answers the page directly, so name the most selective one given.
  const index =
    filter.patientId !== undefined
      ? 'audit_patient'
      : filter.target !== undefined
        ? 'audit_target'
        : filter.breakGlass
          ? 'audit_break_glass'
          : filter.actor !== undefined
            ? 'audit_actor'
            : filter.action !== undefined
              ? 'audit_action'
              : filter.outcome !== undefined
                ? 'audit_outcome'
                : undefined;
  return { index: index ? `INDEXED BY ${index}` : '', where: clauses.join(' AND '), params, empty: false };
}

export function searchSql(q: Pick<CompiledQuery, 'index' | 'where'>): string {
  return `SELECT ${AUDIT_COLUMNS} FROM audit_log ${q.index} WHERE ${q.where} ORDER BY seq DESC LIMIT ?`;
}

export function searchAudit(
  db: Db,
  query: SearchQuery,
): { entries: AuditEntry[]; nextBefore: number | null } {
  const compiled = compileFilter(db, query, query.before);
  if (compiled.empty) return { entries: [], nextBefore: null };
  const rows = db
    .prepare(searchSql(compiled))
    .raw()
    .all(...compiled.params, query.limit + 1) as Parameters<typeof rowToEntry>[0][];
  const entries = rows.slice(0, query.limit).map(rowToEntry);
  const nextBefore = rows.length > query.limit ? (entries.at(-1)?.seq ?? null) : null;
  return { entries, nextBefore };
}

export interface PatientReport {
  readonly total: number;
  readonly breakGlass: number;
  readonly byActor: {
    actor: string;
    role: string | null;
    count: number;
    firstAt: number;
    lastAt: number;
    breakGlass: number;
  }[];
  readonly entries: AuditEntry[];
  readonly truncated: boolean;
}

const REPORT_ENTRIES = 1000;

/** "Who saw this patient": a per-person summary and the newest entries. */
export function patientReport(db: Db, patientId: number, from?: string, to?: string): PatientReport {
  const range = seqRange(db, from, to);
  if (!range) return { total: 0, breakGlass: 0, byActor: [], entries: [], truncated: false };
  const groups = db.prepare(PATIENT_SUMMARY).all(patientId, range[0], range[1]) as {
    actor: string;
    role: string | null;
    count: number;
    first_at: number;
    last_at: number;
    break_glass: number;
  }[];
  const byActor = groups.map((g) => ({
    actor: g.actor,
    role: g.role,
    count: g.count,
    firstAt: g.first_at,
    lastAt: g.last_at,
    breakGlass: g.break_glass,
  }));
  const total = byActor.reduce((sum, g) => sum + g.count, 0);
  const { entries } = searchAudit(db, { patientId, from, to, limit: REPORT_ENTRIES });
  return {
    total,
    breakGlass: byActor.reduce((sum, g) => sum + g.breakGlass, 0),
    byActor,
    entries,
    truncated: total > entries.length,
  };
}
