import { ApiError } from '../../shared/api/errors';
import type { HostKind } from '../api/context';
import type { AuditInput } from '../audit/chain';
import { timingDummyHash, verifyPassword } from './password';
import type { SessionService } from './sessions';
import type { User, UserStore } from './users';

/** After this many failed logins in a row the account is locked for LOCKOUT_MS. */
export const MAX_FAILED_LOGINS = 5;
/** 15 minutes: long enough to stop online guessing, short enough that a nurse isn't stuck a shift. */
export const LOCKOUT_MS = 15 * 60_000;

export interface LoginDeps {
  readonly users: UserStore;
  readonly sessions: SessionService;
  /** Extra audit entries (the lockout itself); the login call's own entry comes from the dispatcher. */
  readonly audit: (entry: AuditInput) => void;
  readonly now?: () => number;
}

export interface LoginAttempt {
  readonly username: string;
  readonly password: string;
  readonly host: HostKind;
  readonly remoteAddress?: string | undefined;
}

// One message for "no such user" and "wrong password": the answer must not confirm usernames.
const WRONG = 'wrong username or password';

/**
 * Checks a password and opens a session. Unknown users cost one scrypt too (no timing oracle);
 * the fifth failure in a row locks the account and writes its own audit entry.
 */
export async function login(
  deps: LoginDeps,
  attempt: LoginAttempt,
): Promise<{ user: User; token: string; sessionId: string; expiresAt: number }> {
  const now = deps.now ?? Date.now;
  const found = deps.users.credentials(attempt.username);
  if (!found) {
    await verifyPassword(attempt.password, await timingDummyHash());
    throw new ApiError('unauthenticated', WRONG);
  }
  const { user, passwordHash } = found;
  if (user.lockedUntil !== null && user.lockedUntil > now()) {
    throw new ApiError(
      'locked',
      `this account is locked after ${MAX_FAILED_LOGINS} failed logins until ${new Date(user.lockedUntil).toISOString()}; ` +
        `wait, or ask facility IT to reset the password`,
    );
  }
  const good = await verifyPassword(attempt.password, passwordHash);
  if (!good) {
    const failures = deps.users.recordFailure(user.id);
    if (failures >= MAX_FAILED_LOGINS) {
      const until = now() + LOCKOUT_MS;
      deps.users.lock(user.id, until);
      deps.audit({
        actor: 'system',
        host: attempt.host,
        remoteAddress: attempt.remoteAddress,
        action: 'auth.lockout',
        target: `user:${user.username}`,
        outcome: 'locked',
        details: { userId: user.id, failures, lockedUntil: new Date(until).toISOString() },
      });
    }
    throw new ApiError('unauthenticated', WRONG);
  }
  if (user.disabledAt !== null) throw new ApiError('forbidden', 'this account is disabled; ask facility IT');
  deps.users.clearFailures(user.id);
  const session = deps.sessions.create(user.id, attempt.host);
  return { user, ...session };
}
