import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ApiError } from '../../shared/api/errors';
import type { HandlerContext, Principal } from '../api/context';
import { callToEntry } from '../audit/audit-log';
import { AuditChain } from '../audit/chain';
import { patientReport, searchAudit } from '../audit/search';
import { openStore, type Store } from '../store/store';
import { keyFileNode } from '../testing/key-file-node';
import { checkPatientAccess } from './patient-access';
import { UserStore } from './users';

let cleanup: () => void;
let store: Store;
let users: UserStore;
let chain: AuditChain;
let nurse: Principal;
let it_: Principal;

beforeAll(async () => {
  const node = await keyFileNode();
  cleanup = node.cleanup;
  store = await openStore(node.dataDir, node.keys);
  users = new UserStore(store.db);
  chain = new AuditChain(store.db, await node.keys.load('audit', { create: true }));
  const a = users.add({
    username: 'nurse.ana',
    displayName: 'Ana',
    role: 'clinician',
    units: ['ICU'],
    passwordHash: 'x',
  });
  const b = users.add({ username: 'it.ian', displayName: 'Ian', role: 'it_admin', passwordHash: 'x' });
  nurse = { userId: a.id, username: a.username, role: 'clinician', sessionId: 's1' };
  it_ = { userId: b.id, username: b.username, role: 'it_admin', sessionId: 's2' };
});
afterAll(() => {
  store.close();
  cleanup();
});

const ctxFor = (principal: Principal): HandlerContext => ({
  origin: { host: 'console' },
  principal,
  audit: {},
});

/** Runs the check as a patient handler would, then writes the call's entry as the dispatcher does. */
function openPatient(
  principal: Principal,
  patient: { id: number; unit: string | null },
  reason?: string,
): { outcome: string; ctx: HandlerContext; error?: ApiError } {
  const ctx = ctxFor(principal);
  let outcome = 'ok';
  let error: ApiError | undefined;
  try {
    checkPatientAccess(users, ctx, patient, reason);
  } catch (e) {
    error = e as ApiError;
    outcome = error.code;
  }
  chain.append(
    callToEntry({
      ...ctx.audit,
      action: 'patients.get',
      origin: ctx.origin,
      principal,
      outcome: outcome as 'ok',
    }),
  );
  return { outcome, ctx, ...(error ? { error } : {}) };
}

describe('break-glass', () => {
  it('lets a clinician open a patient on their own unit without a reason, unmarked', () => {
    const r = openPatient(nurse, { id: 1, unit: 'ICU' });
    expect(r.outcome).toBe('ok');
    expect(r.ctx.audit.patientId).toBe(1);
    expect(r.ctx.audit.breakGlassReason).toBeUndefined();
  });

  it('refuses a patient outside their units without a reason, and says how to break the glass', () => {
    const r = openPatient(nurse, { id: 2, unit: 'Ward 3' });
    expect(r.outcome).toBe('forbidden');
    expect(r.error?.message).toMatch(/outside your assigned units.*give a reason/);
    // The refused attempt is on the patient's trail too.
    expect(r.ctx.audit.patientId).toBe(2);
  });

  it('refuses a reason too short to mean anything', () => {
    expect(openPatient(nurse, { id: 2, unit: 'Ward 3' }, '   ok    ').outcome).toBe('forbidden');
  });

  it('treats a patient with no unit as outside every unit', () => {
    expect(openPatient(nurse, { id: 3, unit: null }).outcome).toBe('forbidden');
  });

  it('opens with a reason, marks the entry, and lists it for compliance review', () => {
    const r = openPatient(nurse, { id: 2, unit: 'Ward 3' }, '  covering Ward 3 during a rapid response  ');
    expect(r.outcome).toBe('ok');
    expect(r.ctx.audit.breakGlassReason).toBe('covering Ward 3 during a rapid response');

    const { entries } = searchAudit(store.db, { breakGlass: true, limit: 50 });
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({
      actor: 'nurse.ana',
      patientId: 2,
      outcome: 'ok',
      breakGlassReason: 'covering Ward 3 during a rapid response',
    });
    const report = patientReport(store.db, 2);
    // Two refusals and one break-glass opening, all by the same nurse.
    expect(report.total).toBe(3);
    expect(report.breakGlass).toBe(1);
    expect(report.byActor).toEqual([
      expect.objectContaining({ actor: 'nurse.ana', count: 3, breakGlass: 1 }),
    ]);
  });

  it('follows a change of units at once (the units are read at every call)', () => {
    users.setUnits(nurse.userId, ['ICU', 'Ward 3']);
    const r = openPatient(nurse, { id: 2, unit: 'Ward 3' });
    expect(r.outcome).toBe('ok');
    expect(r.ctx.audit.breakGlassReason).toBeUndefined();
    users.setUnits(nurse.userId, ['ICU']);
  });

  it('never lets another role open an identified patient, reason or not', () => {
    const r = openPatient(it_, { id: 1, unit: 'ICU' }, 'I am IT and I want to look');
    expect(r.outcome).toBe('forbidden');
    expect(r.ctx.audit.breakGlassReason).toBeUndefined();
  });

  it('leaves a chain that verifies', () => {
    expect(chain.verify().ok).toBe(true);
  });
});
