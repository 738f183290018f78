import type { Role } from '../../shared/roles';
import type { Db } from '../store/database';

/** A user as the node keeps it. The password hash never leaves main/auth. */
export interface User {
  readonly id: number;
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly units: string[];
  readonly createdAt: number;
  readonly disabledAt: number | null;
  readonly lockedUntil: number | null;
  readonly failedLogins: number;
  readonly passwordSetAt: number;
}

interface UserRow {
  id: number;
  username: string;
  display_name: string;
  role: string;
  units: string;
  password_hash: string;
  password_set_at: number;
  failed_logins: number;
  locked_until: number | null;
  created_at: number;
  disabled_at: number | null;
}

const toUser = (row: UserRow): User => ({
  id: row.id,
  username: row.username,
  displayName: row.display_name,
  role: row.role as Role,
  units: JSON.parse(row.units) as string[],
  createdAt: row.created_at,
  disabledAt: row.disabled_at,
  lockedUntil: row.locked_until,
  failedLogins: row.failed_logins,
  passwordSetAt: row.password_set_at,
});

export interface NewUser {
  readonly username: string;
  readonly displayName: string;
  readonly role: Role;
  readonly units?: readonly string[];
  readonly passwordHash: string;
}

/** The users table. Bound parameters only; callers check policy and permissions. */
export class UserStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  count(): number {
    return (this.db.prepare('SELECT count(*) AS n FROM users').get() as { n: number }).n;
  }

  list(): User[] {
    return (this.db.prepare('SELECT * FROM users ORDER BY username').all() as UserRow[]).map(toUser);
  }

  get(id: number): User | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE id = ?').get(id) as UserRow | undefined;
    return row && toUser(row);
  }

  /** The user and their hash, for login only. */
  credentials(username: string): { user: User; passwordHash: string } | undefined {
    const row = this.db.prepare('SELECT * FROM users WHERE username = ?').get(username) as
      UserRow | undefined;
    return row && { user: toUser(row), passwordHash: row.password_hash };
  }

  add(user: NewUser): User {
    const at = this.now();
    const { lastInsertRowid } = this.db
      .prepare(
        `INSERT INTO users (username, display_name, role, units, password_hash, password_set_at, created_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(
        user.username,
        user.displayName,
        user.role,
        JSON.stringify(user.units ?? []),
        user.passwordHash,
        at,
        at,
      );
    return this.get(Number(lastInsertRowid)) as User;
  }

  exists(username: string): boolean {
    return this.db.prepare('SELECT 1 FROM users WHERE username = ?').get(username) !== undefined;
  }

  setDisabled(id: number, disabled: boolean): void {
    this.db.prepare('UPDATE users SET disabled_at = ? WHERE id = ?').run(disabled ? this.now() : null, id);
  }

  setRole(id: number, role: Role): void {
    this.db.prepare('UPDATE users SET role = ? WHERE id = ?').run(role, id);
  }

  setUnits(id: number, units: readonly string[]): void {
    this.db.prepare('UPDATE users SET units = ? WHERE id = ?').run(JSON.stringify(units), id);
  }

  /** A new password also lifts a lockout: IT resetting it is the way back in. */
  setPasswordHash(id: number, hash: string): void {
    this.db
      .prepare(
        'UPDATE users SET password_hash = ?, password_set_at = ?, failed_logins = 0, locked_until = NULL WHERE id = ?',
      )
      .run(hash, this.now(), id);
  }

  /** Counts one failed login; returns the new count. */
  recordFailure(id: number): number {
    return (
      this.db
        .prepare('UPDATE users SET failed_logins = failed_logins + 1 WHERE id = ? RETURNING failed_logins')
        .get(id) as { failed_logins: number }
    ).failed_logins;
  }

  lock(id: number, until: number): void {
    this.db.prepare('UPDATE users SET locked_until = ?, failed_logins = 0 WHERE id = ?').run(until, id);
  }

  clearFailures(id: number): void {
    this.db.prepare('UPDATE users SET failed_logins = 0, locked_until = NULL WHERE id = ?').run(id);
  }

  activeAdmins(): number {
    return (
      this.db
        .prepare(`SELECT count(*) AS n FROM users WHERE role = 'it_admin' AND disabled_at IS NULL`)
        .get() as { n: number }
    ).n;
  }
}
