import { ROLES, ROLE_LABELS, type Role } from '../../shared/roles';
import type { Logger } from '../log/logger';
import { hashPassword } from './password';
import type { UserStore } from './users';

/**
 * Demo accounts, one per role, made only by a node started with demo on and no users yet. The
 * password is published on purpose (it is printed at start): demo data only, never a real ward.
 */
export const DEMO_PASSWORD = 'vitalmesh-demo-2026';
export const DEMO_USERNAMES: Record<Role, string> = {
  clinician: 'demo.clinician',
  it_admin: 'demo.it',
  compliance_officer: 'demo.compliance',
  researcher: 'demo.researcher',
};
/** Demo patients' units (the simulator puts beds there); the demo clinician is assigned to them. */
export const DEMO_UNITS = ['ICU', 'Ward 3'];

export interface DemoLogin {
  readonly role: Role;
  readonly username: string;
  readonly password: string;
}

/**
 * Creates the demo accounts if the node has no users; returns them (empty when users existed).
 * Each is logged once, so whoever started the demo knows how to log in.
 */
export async function ensureDemoUsers(users: UserStore, logger: Logger): Promise<DemoLogin[]> {
  if (users.count() > 0) return [];
  const passwordHash = await hashPassword(DEMO_PASSWORD);
  const made: DemoLogin[] = [];
  for (const role of ROLES) {
    const username = DEMO_USERNAMES[role];
    users.add({
      username,
      displayName: `Demo ${ROLE_LABELS[role]}`,
      role,
      units: role === 'clinician' ? DEMO_UNITS : [],
      passwordHash,
    });
    made.push({ role, username, password: DEMO_PASSWORD });
    // The demo password is public by design; the message says so rather than hiding it.
    logger.info(
      { role, username },
      `demo user: log in as ${username} with the demo password ${DEMO_PASSWORD}`,
    );
  }
  return made;
}

/** The block `vitalmesh start --demo` prints, so the way in is obvious. */
export function demoLoginBlock(logins: readonly DemoLogin[], url: string): string {
  if (logins.length === 0) return '';
  const lines = logins.map(
    (l) => `  ${ROLE_LABELS[l.role].padEnd(20)} ${l.username.padEnd(18)} ${l.password}`,
  );
  return [
    '',
    `VitalMesh demo — open ${url} and log in as one of (demo data only):`,
    `  ${'role'.padEnd(20)} ${'username'.padEnd(18)} password`,
    ...lines,
    '',
  ].join('\n');
}
