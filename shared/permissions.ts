import type { MethodName, StreamName } from './api/contract';
import type { Role } from './roles';

/**
 * Who may call what: the one matrix. `public` needs no session (login, liveness); otherwise the
 * roles listed. Enforced by the dispatcher in main/api before any handler runs; the renderer only
 * uses it to hide what a user can't do. A contract method without an entry fails to typecheck.
 */
export type Access = 'public' | readonly Role[];

const ALL: readonly Role[] = ['clinician', 'it_admin', 'compliance_officer', 'researcher'];

export const METHOD_ACCESS: { readonly [M in MethodName]: Access } = {
  'node.info': 'public',
  'node.health': ALL,
};

export const STREAM_ACCESS: { readonly [S in StreamName]: Access } = {
  'node.heartbeat': ALL,
};

export const mayCall = (access: Access, role: Role | undefined): boolean =>
  access === 'public' || (role !== undefined && access.includes(role));
