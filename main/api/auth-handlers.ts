import type { UserRecord } from '../../shared/api/auth';
import { ApiError } from '../../shared/api/errors';
import type { AuditInput } from '../audit/chain';
import { login } from '../auth/login';
import { checkPasswordPolicy, hashPassword } from '../auth/password';
import type { SessionService } from '../auth/sessions';
import type { User, UserStore } from '../auth/users';
import type { HandlerContext } from './context';
import type { Handlers } from './dispatcher';

export interface AuthHandlerDeps {
  readonly users: UserStore;
  readonly sessions: SessionService;
  readonly audit: (entry: AuditInput) => void;
  readonly demo: boolean;
}

const iso = (ms: number | null): string | null => (ms === null ? null : new Date(ms).toISOString());

type AuthMethod =
  | 'auth.status'
  | 'auth.login'
  | 'auth.logout'
  | 'auth.me'
  | 'users.list'
  | 'users.add'
  | 'users.disable'
  | 'users.enable'
  | 'users.resetPassword'
  | 'users.setRole'
  | 'users.setUnits';

/** auth.* and users.*: the login flow and IT's account management. */
export function authHandlers(deps: AuthHandlerDeps): Pick<Handlers, AuthMethod> {
  const { users, sessions } = deps;

  const record = (user: User): UserRecord => ({
    id: user.id,
    username: user.username,
    displayName: user.displayName,
    role: user.role,
    units: user.units,
    createdAt: new Date(user.createdAt).toISOString(),
    disabledAt: iso(user.disabledAt),
    lockedUntil: user.lockedUntil !== null && user.lockedUntil > Date.now() ? iso(user.lockedUntil) : null,
    activeSessions: sessions.activeCount(user.id),
  });

  const target = (ctx: HandlerContext, userId: number): User => {
    const user = users.get(userId);
    ctx.audit.target = `user:${user?.username ?? `#${userId}`}`;
    if (!user) throw new ApiError('not_found', `there is no user with id ${userId}`);
    return user;
  };

  /** The node must keep one enabled IT account, or nobody could manage users any more. */
  const keepAnAdmin = (user: User, action: string) => {
    if (user.role === 'it_admin' && user.disabledAt === null && users.activeAdmins() <= 1) {
      throw new ApiError(
        'conflict',
        `${user.username} is the only enabled IT account; ${action} would lock IT out`,
      );
    }
  };

  return {
    'auth.status': () => ({ hasUsers: users.count() > 0, demo: deps.demo }),

    'auth.login': async ({ username, password }, ctx) => {
      ctx.audit.target = `user:${username}`;
      const session = await login(
        { users, sessions, audit: deps.audit },
        { username, password, host: ctx.origin.host, remoteAddress: ctx.origin.remoteAddress },
      );
      const { user } = session;
      ctx.audit.actingAs = {
        userId: user.id,
        username: user.username,
        role: user.role,
        sessionId: session.sessionId,
      };
      return {
        token: session.token,
        expiresAt: new Date(session.expiresAt).toISOString(),
        idleTimeoutSeconds: Math.round(sessions.idleMs / 1000),
        user: {
          id: user.id,
          username: user.username,
          displayName: user.displayName,
          role: user.role,
          units: user.units,
        },
      };
    },

    'auth.logout': (_input, ctx) => {
      if (!ctx.principal) throw new ApiError('unauthenticated', 'log in first');
      sessions.end(ctx.principal.sessionId, 'logout');
      return { ended: true };
    },

    'auth.me': (_input, ctx) => {
      const user = ctx.principal && users.get(ctx.principal.userId);
      if (!user) throw new ApiError('unauthenticated', 'log in first');
      return {
        id: user.id,
        username: user.username,
        displayName: user.displayName,
        role: user.role,
        units: user.units,
        idleTimeoutSeconds: Math.round(sessions.idleMs / 1000),
      };
    },

    'users.list': () => users.list().map(record),

    'users.add': async (input, ctx) => {
      ctx.audit.target = `user:${input.username}`;
      checkPasswordPolicy(input.password, input.username);
      if (users.exists(input.username))
        throw new ApiError('conflict', `the username ${input.username} is taken`);
      const passwordHash = await hashPassword(input.password);
      const user = users.add({ ...input, passwordHash });
      ctx.audit.details = { userId: user.id, role: user.role };
      return record(user);
    },

    'users.disable': ({ userId }, ctx) => {
      const user = target(ctx, userId);
      if (ctx.principal?.userId === userId)
        throw new ApiError('conflict', 'you cannot disable your own account');
      keepAnAdmin(user, 'disabling it');
      users.setDisabled(userId, true);
      // Disabled means out now: every open session ends with it.
      const ended = sessions.endAllForUser(userId, 'disabled');
      ctx.audit.details = { userId, sessionsEnded: ended };
      return record(users.get(userId)!);
    },

    'users.enable': ({ userId }, ctx) => {
      target(ctx, userId);
      users.setDisabled(userId, false);
      return record(users.get(userId)!);
    },

    'users.resetPassword': async ({ userId, password }, ctx) => {
      const user = target(ctx, userId);
      checkPasswordPolicy(password, user.username);
      users.setPasswordHash(userId, await hashPassword(password));
      const ended = sessions.endAllForUser(userId, 'password reset');
      ctx.audit.details = { userId, sessionsEnded: ended };
      return record(users.get(userId)!);
    },

    'users.setRole': ({ userId, role }, ctx) => {
      const user = target(ctx, userId);
      if (user.role !== role) keepAnAdmin(user, 'changing its role');
      users.setRole(userId, role);
      ctx.audit.details = { userId, from: user.role, to: role };
      return record(users.get(userId)!);
    },

    'users.setUnits': ({ userId, units }, ctx) => {
      target(ctx, userId);
      users.setUnits(userId, units);
      ctx.audit.details = { userId, units: units.length };
      return record(users.get(userId)!);
    },
  };
}
