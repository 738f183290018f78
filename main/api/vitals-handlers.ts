import { ApiError } from '../../shared/api/errors';
import type { BedView } from '../../shared/api/vitals';
import { checkPatientAccess } from '../auth/patient-access';
import type { UserStore } from '../auth/users';
import type { LiveService } from '../live/live-service';
import type { HandlerContext } from './context';
import type { Handlers, StreamHandlers } from './dispatcher';

export interface VitalsHandlerDeps {
  readonly live: LiveService;
  readonly users: UserStore;
  readonly now?: () => number;
}

type VitalsMethod =
  | 'vitals.trend'
  | 'units.list'
  | 'alarms.limits'
  | 'alarms.setPatientLimit'
  | 'alarms.unitLimits'
  | 'alarms.setUnitLimit'
  | 'alarms.setUnitSettings'
  | 'alarms.history'
  | 'alarms.acknowledge';

const assignedUnits = (users: UserStore, ctx: HandlerContext): string[] =>
  (ctx.principal && users.get(ctx.principal.userId)?.units) ?? [];

/**
 * A unit's live view shows every patient on it, so it follows the patient rule: the clinician's
 * assigned units, others only by breaking the glass with a reason (marked in the audit entry).
 */
export function checkUnitAccess(
  users: UserStore,
  ctx: HandlerContext,
  unit: string,
  breakGlassReason: string | undefined,
): void {
  if (ctx.principal?.role !== 'clinician') {
    throw new ApiError('forbidden', 'only clinicians watch the live vitals of identified patients');
  }
  ctx.audit.target = `unit:${unit}`;
  if (assignedUnits(users, ctx).includes(unit)) return;
  const reason = breakGlassReason?.trim();
  if (!reason || reason.length < 10) {
    throw new ApiError(
      'forbidden',
      `the unit ${unit} is not one of your assigned units; to watch it anyway, give a reason (break-glass, at least 10 characters) — it is recorded for compliance review`,
    );
  }
  ctx.audit.breakGlassReason = reason.slice(0, 500);
}

export function vitalsHandlers(deps: VitalsHandlerDeps): Pick<Handlers, VitalsMethod> {
  const { live, users } = deps;
  const now = deps.now ?? Date.now;

  /** The patient, checked for this caller (assigned unit or break-glass); not_found first. */
  const openPatient = (ctx: HandlerContext, patientId: number, reason: string | undefined): BedView => {
    const bed = live.directory.bed(patientId);
    if (!bed) throw new ApiError('not_found', `there is no patient with id ${patientId}`);
    checkPatientAccess(users, ctx, { id: bed.patientId, unit: bed.unit }, reason);
    ctx.audit.target = `patient:${patientId}`;
    return bed;
  };

  const knownCode = (code: string) => {
    const vital = live.catalog.byId(code);
    if (!vital) throw new ApiError('bad_request', `"${code}" is not a vital-sign code of the catalog`);
    return vital;
  };

  const limitsAnswer = (unit: string | null, limits: ReturnType<LiveService['limits']['listForUnit']>) => ({
    limits,
    signalLostSeconds: Math.round(live.signalLostMs(unit) / 1000),
  });

  return {
    'vitals.trend': ({ patientId, from, to, buckets, breakGlassReason }, ctx) => {
      openPatient(ctx, patientId, breakGlassReason);
      ctx.audit.details = { from, to };
      const codes = live.catalog.vitals.map((v) => v.id);
      return live.trends.series(patientId, codes, from, to, buckets);
    },

    'units.list': (_input, ctx) => {
      const assigned = assignedUnits(users, ctx);
      const counts = new Map<string, { beds: number; activeAlarms: number }>();
      for (const { unit, beds } of live.directory.units()) counts.set(unit, { beds, activeAlarms: 0 });
      for (const unit of assigned) if (!counts.has(unit)) counts.set(unit, { beds: 0, activeAlarms: 0 });
      for (const [unit, c] of counts) {
        for (const bed of live.directory.inUnit(unit))
          c.activeAlarms += live.engine.activeFor(bed.patientId).length;
      }
      const units = [...counts].map(([unit, c]) => ({ unit, ...c, assigned: assigned.includes(unit) }));
      units.sort((a, b) => Number(b.assigned) - Number(a.assigned) || a.unit.localeCompare(b.unit));
      return { units, assigned };
    },

    'alarms.limits': ({ patientId, breakGlassReason }, ctx) => {
      const bed = openPatient(ctx, patientId, breakGlassReason);
      return limitsAnswer(bed.unit, live.limits.listForPatient(patientId));
    },

    'alarms.setPatientLimit': ({ patientId, code, limits, breakGlassReason }, ctx) => {
      knownCode(code);
      openPatient(ctx, patientId, breakGlassReason);
      // The audit says what was set (numbers and a code: no PHI beyond the patient id).
      ctx.audit.details = { code, limits, cleared: limits === null };
      live.alarms.setPatientLimit(patientId, code, limits, ctx.principal?.username ?? '?', now());
      live.limits.patientChanged(patientId);
      live.engine.reevaluate([patientId]);
      const effective = live.limits.listForPatient(patientId).find((l) => l.code === code);
      if (!effective) throw new ApiError('bad_request', `the code ${code} has no alarm limits`);
      return effective;
    },

    'alarms.unitLimits': ({ unit }, ctx) => {
      ctx.audit.target = `unit:${unit}`;
      return limitsAnswer(unit, live.limits.listForUnit(unit));
    },

    'alarms.setUnitLimit': ({ unit, code, limits }, ctx) => {
      knownCode(code);
      ctx.audit.target = `unit:${unit}`;
      ctx.audit.details = { code, limits, cleared: limits === null };
      live.alarms.setUnitLimit(unit, code, limits, ctx.principal?.username ?? '?', now());
      live.limits.unitChanged(unit);
      live.engine.reevaluate(live.engine.patientsIn(unit));
      const effective = live.limits.listForUnit(unit).find((l) => l.code === code);
      if (!effective) throw new ApiError('bad_request', `the code ${code} has no alarm limits`);
      return effective;
    },

    'alarms.setUnitSettings': ({ unit, signalLostSeconds }, ctx) => {
      ctx.audit.target = `unit:${unit}`;
      ctx.audit.details = { signalLostSeconds };
      live.setSignalLostMs(unit, signalLostSeconds * 1000, ctx.principal?.username ?? '?');
      return { unit, signalLostSeconds };
    },

    'alarms.history': ({ patientId, from, to, limit, breakGlassReason }, ctx) => {
      openPatient(ctx, patientId, breakGlassReason);
      return { alarms: live.alarms.history(patientId, from ?? 0, to ?? now() + 1, limit) };
    },

    'alarms.acknowledge': ({ alarmId, silenceMinutes, breakGlassReason }, ctx) => {
      const alarm = live.engine.get(alarmId);
      if (!alarm) throw new ApiError('not_found', `there is no alarm with id ${alarmId}`);
      openPatient(ctx, alarm.patientId, breakGlassReason);
      ctx.audit.target = `alarm:${alarmId}`;
      ctx.audit.details = { code: alarm.code, condition: alarm.condition, silenceMinutes };
      if (alarm.endedAt !== null) throw new ApiError('conflict', `alarm ${alarmId} has already ended`);
      const updated = live.engine.acknowledge(
        alarmId,
        ctx.principal?.username ?? '?',
        silenceMinutes * 60_000,
      );
      if (!updated) throw new ApiError('not_found', `there is no alarm with id ${alarmId}`);
      return { alarm: updated };
    },
  };
}

export function vitalsStreamHandlers(
  deps: VitalsHandlerDeps,
): Pick<StreamHandlers, 'vitals.unit' | 'vitals.patient'> {
  const { live, users } = deps;
  return {
    'vitals.unit': ({ unit, breakGlassReason }, ctx, emit) => {
      checkUnitAccess(users, ctx, unit, breakGlassReason);
      const close = live.watch({ unit }, emit);
      return close;
    },
    'vitals.patient': ({ patientId, breakGlassReason }, ctx, emit) => {
      const bed = live.directory.bed(patientId);
      if (!bed) throw new ApiError('not_found', `there is no patient with id ${patientId}`);
      // One audited read per subscription (the dispatcher writes it), never one per update.
      checkPatientAccess(users, ctx, { id: bed.patientId, unit: bed.unit }, breakGlassReason);
      ctx.audit.target = `patient:${patientId}`;
      return live.watch({ patientId }, emit);
    },
  };
}
