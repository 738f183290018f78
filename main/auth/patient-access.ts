import { ApiError } from '../../shared/api/errors';
import type { HandlerContext } from '../api/context';
import type { UserStore } from './users';

/**
 * May the caller open this patient? Clinicians see the patients of their assigned units; outside
 * them only by breaking the glass with a reason, which marks the call's audit entry for
 * compliance review (audit.search with breakGlass). Other roles never open identified patients.
 * Patient handlers call this before reading, and set `ctx.audit.patientId` themselves.
 */
export function checkPatientAccess(
  users: UserStore,
  ctx: HandlerContext,
  patient: { id: number; unit: string | null },
  breakGlassReason: string | undefined,
): void {
  const principal = ctx.principal;
  if (!principal || principal.role !== 'clinician') {
    throw new ApiError('forbidden', 'only clinicians open identified patient records');
  }
  ctx.audit.patientId = patient.id;
  const units = users.get(principal.userId)?.units ?? [];
  if (patient.unit !== null && units.includes(patient.unit)) return;
  const reason = breakGlassReason?.trim();
  if (!reason || reason.length < 10) {
    throw new ApiError(
      'forbidden',
      'this patient is outside your assigned units; to open the record anyway, give a reason (break-glass, at least 10 characters) — it is recorded for compliance review',
    );
  }
  ctx.audit.breakGlassReason = reason.slice(0, 500);
}
