import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleServer } from '../console/server';
import { createLogger } from '../log/logger';
import type { VitalMeshNode } from '../node';
import { startTestNode } from '../testing/test-node';

/**
 * The "Done means" bad inputs, over real HTTP to the console host: each gets the right code, is
 * audited, and changes nothing else (users and sessions tables are compared before and after).
 */
let node: VitalMeshNode;
let cleanup: () => Promise<void>;
let server: ConsoleServer;
const PASSWORD = 'correct horse battery';

beforeAll(async () => {
  ({ node, cleanup } = await startTestNode());
  server = await startConsole({
    api: node.api,
    logger: createLogger({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    rendererDir: '/nonexistent',
    liveness: () => ({ status: 'ok', version: 'test' }),
  });
  for (const [username, role] of [
    ['alice', 'it_admin'],
    ['bob', 'clinician'],
    ['carol', 'compliance_officer'],
  ] as const) {
    const r = await node.api.call({ host: 'cli' }, 'auth.status', {});
    expect(r.ok).toBe(true);
    const { hashPassword } = await import('../auth/password');
    node.access.users.add({
      username,
      displayName: username,
      role,
      passwordHash: await hashPassword(PASSWORD),
    });
  }
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

/** The envelope, loosely: tests read whichever side the case expects. */
interface Reply {
  ok: boolean;
  value: Record<string, unknown>;
  error: { code: string; message: string; issues?: { path: string; message: string }[] };
}

async function post(
  method: string,
  body: string | object,
  headers: Record<string, string> = {},
): Promise<{ status: number; json: Reply; setCookie: string | null }> {
  const response = await fetch(`${server.url}/api/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
  return {
    status: response.status,
    json: (await response.json()) as Reply,
    setCookie: response.headers.get('set-cookie'),
  };
}

const db = () => node.store.db;
const lastEntry = () =>
  db().prepare('SELECT * FROM audit_log ORDER BY seq DESC LIMIT 1').get() as Record<string, unknown> & {
    details: string | null;
  };
/** Everything but the audit chain, as one digest. */
const stateDigest = (exclude = '') =>
  createHash('sha256')
    .update(
      JSON.stringify(db().prepare(`SELECT * FROM users ORDER BY id`).all()).replace(
        new RegExp(exclude, 'g'),
        '',
      ),
    )
    .update(JSON.stringify(db().prepare('SELECT * FROM sessions ORDER BY id').all()))
    .digest('hex');

async function login(username: string, password = PASSWORD) {
  return post('auth.login', { username, password });
}

describe('login and sessions over the console', () => {
  it('logs in with a cookie (HttpOnly, SameSite=Strict) and a bearer token, and logs out', async () => {
    const r = await login('carol');
    expect(r.status).toBe(200);
    expect(r.setCookie).toMatch(/vm_session=/);
    expect(r.setCookie).toMatch(/HttpOnly/i);
    expect(r.setCookie).toMatch(/SameSite=Strict/i);
    expect(JSON.stringify(r.json)).not.toMatch(/scrypt|password/);
    const cookie = r.setCookie!.split(';')[0]!;
    expect((await post('auth.me', {}, { cookie })).json.value.username).toBe('carol');
    const token = r.json.value.token as string;
    expect((await post('auth.me', {}, { authorization: `Bearer ${token}` })).json.value.role).toBe(
      'compliance_officer',
    );
    // Only the token's hash is stored.
    const stored = db().prepare('SELECT token_hash FROM sessions').all() as { token_hash: Buffer }[];
    expect(stored.some((s) => s.token_hash.equals(createHash('sha256').update(token).digest()))).toBe(true);
    expect(JSON.stringify(db().prepare('SELECT * FROM sessions').all())).not.toContain(token);
    const entry = lastEntry();
    expect(entry).toMatchObject({ action: 'auth.me', actor: 'carol', outcome: 'ok' });
    expect((await post('auth.logout', {}, { cookie })).status).toBe(200);
    expect((await post('auth.me', {}, { cookie })).status).toBe(401);
  });

  it('ends a disabled user’s sessions at once', async () => {
    const admin = (await login('alice')).json.value.token as string;
    const bob = (await login('bob')).json.value.token as string;
    expect((await post('auth.me', {}, { authorization: `Bearer ${bob}` })).status).toBe(200);
    const bobId = node.access.users.credentials('bob')!.user.id;
    const r = await post('users.disable', { userId: bobId }, { authorization: `Bearer ${admin}` });
    expect(r.json.value.disabledAt).not.toBeNull();
    expect((await post('auth.me', {}, { authorization: `Bearer ${bob}` })).status).toBe(401);
    expect((await login('bob')).status).toBe(403);
    await post('users.enable', { userId: bobId }, { authorization: `Bearer ${admin}` });
  });
});

describe('bad input: right code, audited, nothing else changed', () => {
  it('wrong password → 401, audited as a failed login, counted', async () => {
    const before = stateDigest('"failed_logins":\\d+');
    const r = await login('bob', 'not the right password');
    expect(r.status).toBe(401);
    expect(r.json.error.code).toBe('unauthenticated');
    expect(lastEntry()).toMatchObject({
      action: 'auth.login',
      outcome: 'unauthenticated',
      target: 'user:bob',
      actor: 'anonymous',
    });
    expect(JSON.stringify(lastEntry())).not.toContain('not the right password');
    expect(stateDigest('"failed_logins":\\d+')).toBe(before);
    expect(node.access.users.credentials('bob')!.user.failedLogins).toBe(1);
  });

  it('unknown user → the same 401, audited', async () => {
    const before = stateDigest();
    const r = await login('mallory');
    expect(r.status).toBe(401);
    expect(r.json.error.message).toBe('wrong username or password');
    expect(lastEntry()).toMatchObject({ action: 'auth.login', outcome: 'unauthenticated' });
    expect(stateDigest()).toBe(before);
  });

  it('locked account → 423 after five failures; the lockout is its own entry', async () => {
    for (let i = 0; i < 5; i++) await login('alice', `wrong password ${i}!`);
    const lockout = db().prepare(`SELECT * FROM audit_log WHERE action = 'auth.lockout'`).get() as Record<
      string,
      unknown
    >;
    expect(lockout).toMatchObject({ outcome: 'locked', target: 'user:alice' });
    const before = stateDigest();
    const r = await login('alice'); // the right password no longer helps
    expect(r.status).toBe(423);
    expect(r.json.error.code).toBe('locked');
    expect(lastEntry()).toMatchObject({ action: 'auth.login', outcome: 'locked', target: 'user:alice' });
    expect(stateDigest()).toBe(before);
  });

  it('expired session → 401 that says so, audited as expired', async () => {
    const token = (await login('carol')).json.value.token as string;
    db()
      .prepare('UPDATE sessions SET last_seen_at = last_seen_at - ? WHERE ended_at IS NULL')
      .run(31 * 60_000);
    const r = await post('audit.verify', {}, { authorization: `Bearer ${token}` });
    expect(r.status).toBe(401);
    expect(r.json.error.message).toMatch(/expired/);
    const entry = lastEntry();
    expect(entry).toMatchObject({ action: 'audit.verify', outcome: 'unauthenticated', actor: 'anonymous' });
    expect(JSON.parse(entry.details!)).toMatchObject({ session: 'expired' });
  });

  it('forged token → 401, audited; the token is not written anywhere', async () => {
    const before = stateDigest();
    const forged = 'A'.repeat(43);
    const r = await post('users.list', {}, { authorization: `Bearer ${forged}` });
    expect(r.status).toBe(401);
    const entry = lastEntry();
    expect(entry).toMatchObject({ action: 'users.list', outcome: 'unauthenticated' });
    expect(JSON.parse(entry.details!)).toMatchObject({ session: 'unknown' });
    expect(JSON.stringify(entry)).not.toContain(forged);
    expect(stateDigest()).toBe(before);
  });

  it('missing token → 401, audited', async () => {
    const before = stateDigest();
    const r = await post('users.list', {});
    expect(r.status).toBe(401);
    expect(JSON.parse(lastEntry().details!)).toMatchObject({ session: 'missing' });
    expect(stateDigest()).toBe(before);
  });

  it('malformed JSON → 400 in the envelope, audited', async () => {
    const before = stateDigest();
    const seq = node.access.audit.chain.lastSeq();
    const r = await post('users.add', '{"username": "eve", ');
    expect(r.status).toBe(400);
    expect(r.json).toMatchObject({ ok: false, error: { code: 'bad_request' } });
    expect(node.access.audit.chain.lastSeq()).toBe(seq + 1);
    expect(lastEntry()).toMatchObject({
      action: '(malformed request)',
      outcome: 'bad_request',
      host: 'console',
    });
    expect(stateDigest()).toBe(before);
  });

  it('a method that does not exist → 404 unknown_method, audited', async () => {
    const before = stateDigest();
    const r = await post('users.drop', {});
    expect(r.status).toBe(404);
    expect(r.json.error.code).toBe('unknown_method');
    expect(lastEntry()).toMatchObject({ action: 'users.drop', outcome: 'unknown_method' });
    expect(stateDigest()).toBe(before);
  });

  it('a bad password for a new account is refused and never echoed', async () => {
    const admin = node.access.sessions.create(
      node.access.users.credentials('alice')!.user.id,
      'console',
    ).token;
    const before = stateDigest();
    const r = await post(
      'users.add',
      { username: 'dave', displayName: 'Dave', role: 'researcher', password: 'dave-is-great-123' },
      { authorization: `Bearer ${admin}` },
    );
    expect(r.status).toBe(400);
    expect(r.json.error.message).toMatch(/username/);
    // Pinned to the field, so the Users form shows it under the password box.
    expect(r.json.error.issues).toEqual([
      { path: 'password', message: 'the password must not contain the username' },
    ]);
    expect(JSON.stringify(r.json)).not.toContain('dave-is-great');
    expect(JSON.stringify(lastEntry())).not.toContain('dave-is-great');
    expect(stateDigest()).toBe(before);
  });

  it('the chain still verifies after all of it', () => {
    expect(node.access.audit.chain.verify().ok).toBe(true);
  });
});
