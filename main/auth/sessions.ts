import { createHash, randomBytes } from 'node:crypto';
import type { Role } from '../../shared/roles';
import type { HostKind, Principal } from '../api/context';
import type { Db } from '../store/database';

/**
 * Session lifetimes. Idle 30 minutes: ward workstations are shared, so an unattended session must
 * end soon, but a clinician reading a chart for a quarter of an hour must not be thrown out (the
 * OS screen lock covers the minutes in between). Absolute 12 hours: one clinical shift; a new
 * shift logs in again. Both are settings (sessionIdleMinutes, sessionMaxHours).
 */
export const DEFAULT_SESSION_IDLE_MS = 30 * 60_000;
export const DEFAULT_SESSION_MAX_MS = 12 * 60 * 60_000;
/** Touching last_seen on every call would make each read a write; once a minute is enough. */
const TOUCH_EVERY_MS = 60_000;

export type TokenState = 'missing' | 'unknown' | 'expired' | 'ended' | 'active';

export interface SessionOptions {
  readonly idleMs?: number;
  readonly maxMs?: number;
  readonly now?: () => number;
}

interface SessionRow {
  id: string;
  user_id: number;
  last_seen_at: number;
  expires_at: number;
  ended_at: number | null;
  end_reason: string | null;
  username: string;
  role: string;
  disabled_at: number | null;
}

/** SHA-256 of the token: what the table keeps, so the table alone opens no session. */
const tokenHash = (token: string): Buffer => createHash('sha256').update(token).digest();

export class SessionService {
  readonly idleMs: number;
  readonly maxMs: number;
  private readonly now: () => number;

  constructor(
    private readonly db: Db,
    options: SessionOptions = {},
  ) {
    this.idleMs = options.idleMs ?? DEFAULT_SESSION_IDLE_MS;
    this.maxMs = options.maxMs ?? DEFAULT_SESSION_MAX_MS;
    this.now = options.now ?? Date.now;
  }

  /** A new session: 256 random bits as base64url; only its hash is stored. */
  create(userId: number, host: HostKind): { token: string; sessionId: string; expiresAt: number } {
    const token = randomBytes(32).toString('base64url');
    const sessionId = randomBytes(12).toString('hex');
    const at = this.now();
    const expiresAt = at + this.maxMs;
    this.db
      .prepare(
        `INSERT INTO sessions (id, token_hash, user_id, host, created_at, last_seen_at, expires_at)
         VALUES (?, ?, ?, ?, ?, ?, ?)`,
      )
      .run(sessionId, tokenHash(token), userId, host, at, at, expiresAt);
    return { token, sessionId, expiresAt };
  }

  private lookup(token: string): SessionRow | undefined {
    return this.db
      .prepare(
        `SELECT s.id, s.user_id, s.last_seen_at, s.expires_at, s.ended_at, s.end_reason, u.username, u.role, u.disabled_at
         FROM sessions s JOIN users u ON u.id = s.user_id WHERE s.token_hash = ?`,
      )
      .get(tokenHash(token)) as SessionRow | undefined;
  }

  private stateOf(row: SessionRow, at: number): TokenState {
    if (row.disabled_at !== null) return 'ended';
    // An expired session keeps saying "expired" (the answer tells the person to log in again).
    if (row.ended_at !== null) return row.end_reason === 'expired' ? 'expired' : 'ended';
    if (at >= row.expires_at || at - row.last_seen_at >= this.idleMs) return 'expired';
    return 'active';
  }

  /** What a presented token is, for the audit of a refused call. Changes nothing. */
  describe(token: string | undefined): TokenState {
    if (!token) return 'missing';
    const row = this.lookup(token);
    return row ? this.stateOf(row, this.now()) : 'unknown';
  }

  /**
   * The dispatcher's `authenticate`: the principal behind an active token. The role is read from
   * the users row on every call, so a role change or a disabled account takes effect at once.
   */
  authenticate(token: string | undefined): Principal | 'expired' | undefined {
    if (!token) return undefined;
    const row = this.lookup(token);
    if (!row) return undefined;
    const at = this.now();
    const state = this.stateOf(row, at);
    if (state === 'ended') return undefined;
    if (state === 'expired') {
      this.db
        .prepare(`UPDATE sessions SET ended_at = ?, end_reason = 'expired' WHERE id = ? AND ended_at IS NULL`)
        .run(at, row.id);
      return 'expired';
    }
    if (at - row.last_seen_at >= TOUCH_EVERY_MS) {
      this.db.prepare('UPDATE sessions SET last_seen_at = ? WHERE id = ?').run(at, row.id);
    }
    return { userId: row.user_id, username: row.username, role: row.role as Role, sessionId: row.id };
  }

  end(sessionId: string, reason: string): void {
    this.db
      .prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE id = ? AND ended_at IS NULL')
      .run(this.now(), reason, sessionId);
  }

  /** Ends every open session of a user (disabled, password reset); returns how many. */
  endAllForUser(userId: number, reason: string): number {
    return this.db
      .prepare('UPDATE sessions SET ended_at = ?, end_reason = ? WHERE user_id = ? AND ended_at IS NULL')
      .run(this.now(), reason, userId).changes;
  }

  activeCount(userId: number): number {
    const at = this.now();
    return (
      this.db
        .prepare(
          `SELECT count(*) AS n FROM sessions WHERE user_id = ? AND ended_at IS NULL AND expires_at > ? AND last_seen_at > ?`,
        )
        .get(userId, at, at - this.idleMs) as { n: number }
    ).n;
  }
}
