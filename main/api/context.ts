import type { Role } from '../../shared/roles';

export type HostKind = 'console' | 'desktop' | 'cli';

/** Who is calling, as proven by a session (console cookie or bearer token, or Electron main). */
export interface Principal {
  readonly userId: number;
  readonly username: string;
  readonly role: Role;
  readonly sessionId: string;
}

/** What a host knows about a call before the dispatcher has looked at it. */
export interface CallOrigin {
  readonly host: HostKind;
  /** The session token the caller presented, if any. Resolved by the dispatcher, never trusted. */
  readonly token?: string | undefined;
  /** Network address, for the audit (console); undefined in Electron. */
  readonly remoteAddress?: string | undefined;
}

/** What the audit line of a call says beyond method and outcome; handlers fill it in. */
export interface AuditNote {
  target?: string;
  patientId?: number;
  /** No PHI values here: ids, counts and codes only. */
  details?: Record<string, unknown>;
  /** The call broke the glass: it read a patient outside the caller's units, with this reason. */
  breakGlassReason?: string;
  /** Who the call proved the caller to be when no session preceded it (a successful login). */
  actingAs?: Principal;
}

/** What a handler receives besides its input. */
export interface HandlerContext {
  readonly origin: CallOrigin;
  readonly principal: Principal | undefined;
  readonly audit: AuditNote;
}
