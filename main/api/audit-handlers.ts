import type { AuditEntryView } from '../../shared/api/audit';
import { ApiError } from '../../shared/api/errors';
import type { AuditLog } from '../audit/audit-log';
import type { AuditEntry } from '../audit/chain';
import { patientReport, searchAudit } from '../audit/search';
import type { Db } from '../store/database';
import type { Handlers } from './dispatcher';

export interface AuditHandlerDeps {
  readonly db: Db;
  readonly audit: AuditLog;
}

export const entryView = (e: AuditEntry): AuditEntryView => ({
  seq: e.seq,
  at: new Date(e.at).toISOString(),
  actor: e.actor,
  role: e.role,
  host: e.host,
  remoteAddress: e.remoteAddress,
  action: e.action,
  target: e.target,
  patientId: e.patientId,
  outcome: e.outcome,
  breakGlassReason: e.breakGlassReason,
  details: e.details === null ? null : (JSON.parse(e.details) as Record<string, unknown>),
});

type AuditMethod =
  'audit.search' | 'audit.verify' | 'audit.patientReport' | 'audit.export' | 'audit.exportStatus';

/** audit.*: compliance's view of the chain. Each call is itself audited by the dispatcher. */
export function auditHandlers(deps: AuditHandlerDeps): Pick<Handlers, AuditMethod> {
  return {
    'audit.search': (query, ctx) => {
      const { entries, nextBefore } = searchAudit(deps.db, query);
      // Which filters were used (not their values: a patient id filter is already the target).
      ctx.audit.details = {
        filters: Object.keys(query).filter((k) => k !== 'limit'),
        returned: entries.length,
      };
      if (query.patientId !== undefined) ctx.audit.target = `patient:${query.patientId}`;
      return { entries: entries.map(entryView), nextBefore };
    },

    'audit.verify': (_input, ctx) => {
      const started = performance.now();
      const report = deps.audit.chain.verify();
      const durationMs = Math.round(performance.now() - started);
      ctx.audit.details = { ok: report.ok, checked: report.checked, ...(report.firstBroken ?? {}) };
      return { ...report, verifiedAt: new Date().toISOString(), durationMs };
    },

    'audit.patientReport': ({ patientId, from, to }, ctx) => {
      // The report is about the patient's audit trail, not their record: a target, not patientId,
      // so reviewing access doesn't show up as access.
      ctx.audit.target = `patient:${patientId}`;
      const report = patientReport(deps.db, patientId, from, to);
      return {
        patientId,
        total: report.total,
        breakGlass: report.breakGlass,
        byActor: report.byActor.map((g) => ({
          ...g,
          firstAt: new Date(g.firstAt).toISOString(),
          lastAt: new Date(g.lastAt).toISOString(),
        })),
        entries: report.entries.map(entryView),
        truncated: report.truncated,
      };
    },

    'audit.export': ({ format, filter }, ctx) => {
      const p = ctx.principal;
      const { status } = deps.audit.exporter.start({
        format,
        filter,
        requester: {
          actor: p?.username ?? 'anonymous',
          actorId: p?.userId ?? null,
          role: p?.role ?? null,
          host: ctx.origin.host,
          remoteAddress: ctx.origin.remoteAddress ?? null,
        },
      });
      ctx.audit.details = { exportId: status.exportId, format, entries: status.total };
      return status;
    },

    'audit.exportStatus': ({ exportId }) => {
      const status = deps.audit.exporter.status(exportId);
      if (!status) throw new ApiError('not_found', `no audit export ${exportId} in this node's run`);
      return status;
    },
  };
}
