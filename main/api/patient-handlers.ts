import { ApiError } from '../../shared/api/errors';
import type { VitalCatalog } from '../../shared/catalog/vital-signs';
import { checkPatientAccess } from '../auth/patient-access';
import type { UserStore } from '../auth/users';
import { PatientReader } from '../patients/patient-reader';
import type { Db } from '../store/database';
import type { HandlerContext } from './context';
import type { Handlers } from './dispatcher';

export interface PatientHandlerDeps {
  readonly db: Db;
  readonly users: UserStore;
  readonly catalog: VitalCatalog;
}

type PatientMethod = 'patients.search' | 'patients.get' | 'observations.history';

/**
 * Reads of identified patients: clinicians only (the matrix), within their assigned units unless
 * they break the glass with a reason. Every read names its patient in the call's audit entry; the
 * search words themselves (a name, an MRN) are PHI and are not written there.
 */
export function patientHandlers(deps: PatientHandlerDeps): Pick<Handlers, PatientMethod> {
  const reader = new PatientReader(deps.db, deps.catalog);

  const openPatient = (patientId: number, reason: string | undefined, ctx: HandlerContext) => {
    const patient = reader.locate(patientId);
    if (!patient) throw new ApiError('not_found', `there is no patient ${patientId}`);
    checkPatientAccess(deps.users, ctx, patient, reason);
    ctx.audit.target = `patient:${patientId}`;
  };

  return {
    'patients.search': ({ query, limit, breakGlassReason }, ctx) => {
      const principal = ctx.principal;
      if (!principal || principal.role !== 'clinician')
        throw new ApiError('forbidden', 'only clinicians search identified patient records');
      const units = deps.users.get(principal.userId)?.units ?? [];
      const reason = breakGlassReason?.trim();
      const patients = reader.search(query, limit, reason ? undefined : units);
      const outside = patients.filter((p) => p.unit === null || !units.includes(p.unit));
      if (reason && outside.length > 0) ctx.audit.breakGlassReason = reason;
      ctx.audit.details = {
        results: patients.length,
        patientIds: patients.map((p) => p.id),
        byIdentifier: patients.some((p) => p.identifiers.some((i) => i.value === query)),
      };
      if (patients.length === 1) ctx.audit.patientId = patients[0]?.id;
      return { patients };
    },

    'patients.get': ({ patientId, breakGlassReason }, ctx) => {
      openPatient(patientId, breakGlassReason, ctx);
      const detail = reader.detail(patientId);
      if (!detail) throw new ApiError('not_found', `there is no patient ${patientId}`);
      return detail;
    },

    'observations.history': ({ patientId, code, from, to, limit, breakGlassReason }, ctx) => {
      openPatient(patientId, breakGlassReason, ctx);
      const result = reader.history(patientId, { code, from: Date.parse(from), to: Date.parse(to), limit });
      ctx.audit.details = { code: code ?? null, from, to, count: result.observations.length };
      return result;
    },
  };
}
