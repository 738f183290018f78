import { generateKeyPairSync } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FhirSourceView, FhirSyncProgress, FhirSyncResult } from '../../../shared/api/fhir';
import { hashPassword } from '../../auth/password';
import type { VitalMeshNode } from '../../node';
import { startTestNode } from '../../testing/test-node';
import { startFhirTestServer, type FhirTestServer } from './testing/fhir-test-server';
import { seedCorpus } from './testing/sync-harness';

/**
 * The fhir.* API through the real dispatcher: IT adds, lists, changes and removes sources, runs a
 * sync and follows its progress; secrets never come back; every call is in the audit chain with
 * the source and, for a sync, its counts and outcome.
 */
let node: VitalMeshNode;
let cleanup: () => Promise<void>;
let server: FhirTestServer;
let it_: string;
let clinician: string;

beforeAll(async () => {
  ({ node, cleanup } = await startTestNode());
  server = await startFhirTestServer();
  await seedCorpus(server);
  const passwordHash = await hashPassword('fhir-api-test-password');
  const mk = (username: string, role: 'it_admin' | 'clinician') =>
    node.access.sessions.create(
      node.access.users.add({ username, displayName: username, role, passwordHash }).id,
      'console',
    ).token;
  it_ = mk('it.fhir', 'it_admin');
  clinician = mk('doc.fhir', 'clinician');
});
afterAll(async () => {
  await server.close();
  await cleanup();
});

async function call<T>(method: string, input: unknown, token = it_): Promise<T> {
  const result = await node.api.call({ host: 'console', token }, method, input);
  if (!result.ok) throw new Error(`${method}: ${result.error.code} ${result.error.message}`);
  return result.value as T;
}

const lastAudit = () =>
  node.access.audit.chain.db
    .prepare('SELECT actor, action, target, outcome, details FROM audit_log ORDER BY seq DESC LIMIT 1')
    .get() as { actor: string; action: string; target: string; outcome: string; details: string };

describe('fhir.* API', () => {
  it('add → list (secret masked) → update keeps the secret → sync with progress events → remove; all audited', async () => {
    const token = 'a-static-bearer-token-0123456789-abcd';
    // The test server takes any bearer token; what matters is that ours is sent and never shown.
    const { id } = await call<{ id: number }>('fhir.sources.add', {
      name: 'Main EHR',
      baseUrl: `${server.baseUrl}/`,
      auth: { kind: 'bearer', token },
      intervalSeconds: null,
      pageSize: 25,
    });
    expect(lastAudit()).toMatchObject({
      actor: 'it.fhir',
      action: 'fhir.sources.add',
      target: `fhir-source:${id}`,
      outcome: 'ok',
    });
    expect(lastAudit().details).not.toContain(token);

    const { sources } = await call<{ sources: FhirSourceView[] }>('fhir.sources.list', {});
    expect(sources).toHaveLength(1);
    expect(sources[0]).toMatchObject({
      id,
      name: 'Main EHR',
      baseUrl: server.baseUrl,
      state: 'idle',
      pageSize: 25,
    });
    expect(sources[0]?.auth).toEqual({ kind: 'bearer', secret: 'set (••••abcd)' });
    expect(JSON.stringify(sources)).not.toContain(token.slice(0, 20));

    const renamed = await call<FhirSourceView>('fhir.sources.update', {
      id,
      name: 'EHR (Epic)',
      auth: { kind: 'bearer' },
    });
    expect(renamed.name).toBe('EHR (Epic)');
    expect(renamed.auth.secret).toBe('set (••••abcd)');
    expect(JSON.parse(lastAudit().details)).toMatchObject({
      fields: ['auth', 'name'],
      authKind: 'bearer',
      secretChanged: false,
    });

    const events: FhirSyncProgress[] = [];
    const sub = await node.api.subscribe(
      { host: 'console', token: it_ },
      'fhir.syncProgress',
      { sourceId: id },
      (e) => events.push(e as FhirSyncProgress),
    );
    if (!sub.ok) throw new Error(sub.error.message);
    const result = await call<FhirSyncResult>('fhir.sync', { sourceId: id });
    sub.value.close();
    expect(result.outcome, result.message ?? '').toBe('ok');
    expect(result.counts).toMatchObject({ fetched: 174, stored: 167, observations: 12 });
    expect(
      server.requests
        .filter((r) => r.path !== '/metadata')
        .every((r) => r.headers.authorization === `Bearer ${token}`),
    ).toBe(true);
    // Progress: started, one per page with growing counts and streams done, finished.
    expect(events[0]?.phase).toBe('started');
    expect(events.at(-1)).toMatchObject({ phase: 'finished', outcome: 'ok', counts: result.counts });
    const pages = events.filter((e) => e.phase === 'page');
    expect(pages.length).toBe(result.counts.pages);
    expect(pages.map((p) => p.counts.fetched)).toEqual(
      [...pages.map((p) => p.counts.fetched)].sort((a, b) => a - b),
    );
    expect(pages.at(-1)?.streamsDone).toBeLessThanOrEqual(pages.at(-1)?.streamsTotal ?? 0);
    const audit = lastAudit();
    expect(audit).toMatchObject({ action: 'fhir.sync', target: `fhir-source:${id}`, outcome: 'ok' });
    expect(JSON.parse(audit.details)).toMatchObject({ syncOutcome: 'ok', stored: 167, observations: 12 });

    const after = (await call<{ sources: FhirSourceView[] }>('fhir.sources.list', {})).sources[0];
    expect(after).toMatchObject({ state: 'ok', lastCounts: result.counts, lastError: null });

    expect(await call('fhir.sources.remove', { id })).toEqual({ removed: true });
    expect(lastAudit()).toMatchObject({ action: 'fhir.sources.remove', target: `fhir-source:${id}` });
    // Imported observations stay; the source's bookkeeping goes with it.
    expect(
      (
        node.store.db.prepare('SELECT count(*) n FROM fhir_resources WHERE source_id = ?').get(id) as {
          n: number;
        }
      ).n,
    ).toBe(0);
  });

  it('SMART: a private key is checked on add and shown only as its public key fingerprint', async () => {
    const ec = generateKeyPairSync('ec', { namedCurve: 'P-384' })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const rsa = generateKeyPairSync('rsa', { modulusLength: 2048 })
      .privateKey.export({ type: 'pkcs8', format: 'pem' })
      .toString();
    const bad = await node.api.call({ host: 'console', token: it_ }, 'fhir.sources.add', {
      name: 'wrong key',
      baseUrl: server.baseUrl,
      auth: { kind: 'smart', clientId: 'c', algorithm: 'ES384', privateKey: rsa },
    });
    expect(bad).toMatchObject({
      ok: false,
      error: { code: 'bad_request', message: 'ES384 needs an EC key on curve P-384' },
    });
    const { id } = await call<{ id: number }>('fhir.sources.add', {
      name: 'SMART EHR',
      baseUrl: server.baseUrl,
      auth: { kind: 'smart', clientId: 'c', algorithm: 'ES384', privateKey: ec },
    });
    const view = (await call<{ sources: FhirSourceView[] }>('fhir.sources.list', {})).sources.find(
      (s) => s.id === id,
    );
    expect(view?.auth).toMatchObject({
      kind: 'smart',
      clientId: 'c',
      algorithm: 'ES384',
      scope: 'system/*.read',
    });
    expect(view?.auth.secret).toMatch(/^ES384 key, public key SHA-256 [0-9a-f]{16}…$/);
    expect(JSON.stringify(view)).not.toContain('PRIVATE KEY');
    expect(lastAudit().details).not.toContain('PRIVATE');
  });

  it('a clinician may not configure or run FHIR sources', async () => {
    const result = await node.api.call({ host: 'console', token: clinician }, 'fhir.sources.list', {});
    expect(result).toMatchObject({ ok: false, error: { code: 'forbidden' } });
  });
});
