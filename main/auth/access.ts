import { readFileSync } from 'node:fs';
import type { NodeConfig } from '../config/config';
import type { Logger } from '../log/logger';
import type { Store } from '../store/store';
import type { KeySource } from '../store/key-source';
import { createAuditLog, type AuditLog } from '../audit/audit-log';
import { authHandlers } from '../api/auth-handlers';
import { auditHandlers } from '../api/audit-handlers';
import { ensureDemoUsers, type DemoLogin } from './demo-users';
import { SessionService } from './sessions';
import { UserStore } from './users';

/** Users, sessions and the audit chain of one node, and the API handlers over them. */
export interface AccessLayer {
  readonly users: UserStore;
  readonly sessions: SessionService;
  readonly audit: AuditLog;
  readonly handlers: ReturnType<typeof authHandlers> & ReturnType<typeof auditHandlers>;
  /** Demo accounts made at this start (empty unless demo and no users). */
  readonly demoLogins: readonly DemoLogin[];
  close(): Promise<void>;
}

/**
 * Opens the access and audit layer on an open store. The audit key is loaded from the same key
 * source as the database key but is a separate secret (KeySource 'audit').
 */
export async function openAccessLayer(
  config: NodeConfig,
  store: Store,
  keys: KeySource,
  logger: Logger,
): Promise<AccessLayer> {
  const auditKey = await keys.load('audit', { create: true });
  const users = new UserStore(store.db);
  const sessions = new SessionService(store.db, {
    ...(config.sessionIdleMinutes ? { idleMs: config.sessionIdleMinutes * 60_000 } : {}),
    ...(config.sessionMaxHours ? { maxMs: config.sessionMaxHours * 3_600_000 } : {}),
  });
  const syslog = config.auditSyslog;
  const audit = createAuditLog({
    db: store.db,
    key: auditKey,
    dataDir: config.dataDir,
    facility: config.facilityName,
    logger,
    describeToken: (token) => sessions.describe(token),
    syslog: syslog && {
      host: syslog.host,
      port: syslog.port,
      ca: readFileSync(syslog.caFile),
      cert: syslog.certFile ? readFileSync(syslog.certFile) : undefined,
      key: syslog.keyFile ? readFileSync(syslog.keyFile) : undefined,
    },
  });
  const demoLogins = config.demo ? await ensureDemoUsers(users, logger.child({ module: 'auth' })) : [];
  if (!config.demo && users.count() === 0) {
    logger.warn(
      'no user accounts yet: create the first with `vitalmesh users add --username NAME --role it_admin`',
    );
  }
  return {
    users,
    sessions,
    audit,
    demoLogins,
    handlers: {
      ...authHandlers({ users, sessions, audit: (entry) => audit.append(entry), demo: config.demo }),
      ...auditHandlers({ db: store.db, audit }),
    },
    close: () => audit.close(),
  };
}
