import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { methodNames, streamNames } from '../../shared/api/contract';
import { METHOD_ACCESS, STREAM_ACCESS, mayCall } from '../../shared/permissions';
import { ROLES, type Role } from '../../shared/roles';
import { hashPassword } from '../auth/password';
import type { VitalMeshNode } from '../node';
import { startTestNode } from '../testing/test-node';

/**
 * Every contract method and stream, called as every role (and with no session), against the one
 * matrix. Built from the contract itself, so a method added later is covered without touching
 * this file; inputs are `{}`, because the permission check runs before input validation.
 */
let node: VitalMeshNode;
let cleanup: () => Promise<void>;
const tokens = {} as Record<Role, string>;

beforeAll(async () => {
  ({ node, cleanup } = await startTestNode());
  const passwordHash = await hashPassword('matrix-test-password');
  for (const role of ROLES) {
    const user = node.access.users.add({ username: `matrix-${role}`, displayName: role, role, passwordHash });
    tokens[role] = node.access.sessions.create(user.id, 'console').token;
  }
});
afterAll(async () => cleanup());

const auditCount = () => node.access.audit.chain.lastSeq();

describe('permission matrix', () => {
  it('has an entry for every contract method and stream', () => {
    for (const name of methodNames) expect(METHOD_ACCESS[name], name).toBeDefined();
    for (const name of streamNames) expect(STREAM_ACCESS[name], name).toBeDefined();
  });

  for (const role of ROLES) {
    it(`as ${role}: every method is allowed or forbidden exactly as the matrix says, and audited`, async () => {
      // Streams first: auth.logout, at the end of the methods, ends the session.
      for (const stream of streamNames) {
        const result = await node.api.subscribe(
          { host: 'console', token: tokens[role] },
          stream,
          {},
          () => {},
        );
        if (result.ok) result.value.close();
        const forbidden = !result.ok && result.error.code === 'forbidden';
        expect(forbidden, `${role} → ${stream}`).toBe(!mayCall(STREAM_ACCESS[stream], role));
      }
      // auth.logout would end the session the rest of the loop uses; it runs last.
      const names = [...methodNames.filter((m) => m !== 'auth.logout'), 'auth.logout' as const];
      for (const method of names) {
        const before = auditCount();
        const result = await node.api.call({ host: 'console', token: tokens[role] }, method, {});
        const allowed = mayCall(METHOD_ACCESS[method], role);
        const forbidden = !result.ok && result.error.code === 'forbidden';
        expect(forbidden, `${role} → ${method}: ${JSON.stringify(result)}`).toBe(!allowed);
        if (!result.ok) expect(result.error.code, `${role} → ${method}`).not.toBe('unauthenticated');
        expect(auditCount(), `${method} audited once`).toBe(before + 1);
        const entry = node.access.audit.chain.db
          .prepare('SELECT actor, role, action, outcome FROM audit_log ORDER BY seq DESC LIMIT 1')
          .get() as { actor: string; role: string; action: string; outcome: string };
        expect(entry).toMatchObject({ action: method, outcome: result.ok ? 'ok' : result.error.code });
        if (method !== 'auth.login') expect(entry).toMatchObject({ actor: `matrix-${role}`, role });
      }
    });
  }

  it('without a session, only public methods get past the door', async () => {
    for (const method of methodNames) {
      const result = await node.api.call({ host: 'console' }, method, {});
      const unauthenticated = !result.ok && result.error.code === 'unauthenticated';
      expect(unauthenticated, method).toBe(METHOD_ACCESS[method] !== 'public');
    }
  });
});
