import { generateKeyPairSync, randomUUID, verify, type KeyObject } from 'node:crypto';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { VitalMeshNode } from '../../node';
import { startTestNode } from '../../testing/test-node';
import { SourceStore } from './source-store';
import { startFhirTestServer, type FhirTestServer, type TestRequest } from './testing/fhir-test-server';
import { seedCorpus, sync } from './testing/sync-harness';

/**
 * SMART Backend Services against a token endpoint that checks what the spec asks of the client
 * assertion: RS384/ES384 signature by the registered key, iss = sub = client id, aud = token URL,
 * exp at most five minutes ahead, a jti never seen before.
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html#request-access-token
 */
let node: VitalMeshNode;
let cleanup: () => Promise<void>;
let server: FhirTestServer;
beforeAll(async () => {
  ({ node, cleanup } = await startTestNode());
});
afterAll(async () => cleanup());
afterEach(async () => server?.close());

interface Registered {
  clientId: string;
  alg: 'RS384' | 'ES384';
  kid: string;
  publicKey: KeyObject;
}

/** A token endpoint at /auth/token and a FHIR API that wants its bearer tokens. */
function smartServer(fhir: FhirTestServer, client: Registered, options: { discover?: boolean } = {}) {
  const tokenUrl = `${fhir.origin}/auth/token`;
  const seenJti = new Set<string>();
  const issued = new Set<string>();
  const refusals: string[] = [];
  const refuse = (why: string) => {
    refusals.push(why);
    return { status: 401, body: { error: 'invalid_client', error_description: why } };
  };
  const token = (req: TestRequest) => {
    const form = new URLSearchParams(req.body);
    if (form.get('grant_type') !== 'client_credentials') return refuse('grant_type');
    if (form.get('client_assertion_type') !== 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer')
      return refuse('client_assertion_type');
    const [h, c, s] = (form.get('client_assertion') ?? '').split('.');
    if (!h || !c || !s) return refuse('not a JWS');
    const header = JSON.parse(Buffer.from(h, 'base64url').toString()) as Record<string, unknown>;
    const claims = JSON.parse(Buffer.from(c, 'base64url').toString()) as Record<string, number | string>;
    if (header.alg !== client.alg || header.kid !== client.kid || header.typ !== 'JWT')
      return refuse('header');
    const signed = verify(
      'sha384',
      Buffer.from(`${h}.${c}`),
      client.alg === 'ES384' ? { key: client.publicKey, dsaEncoding: 'ieee-p1363' } : client.publicKey,
      Buffer.from(s, 'base64url'),
    );
    if (!signed) return refuse('signature');
    const now = Math.floor(Date.now() / 1000);
    if (claims.iss !== client.clientId || claims.sub !== client.clientId) return refuse('iss/sub');
    if (claims.aud !== tokenUrl) return refuse('aud');
    if (typeof claims.exp !== 'number' || claims.exp <= now || claims.exp > now + 300) return refuse('exp');
    if (typeof claims.jti !== 'string' || seenJti.has(claims.jti)) return refuse('jti replay');
    seenJti.add(claims.jti);
    if (form.get('scope') !== 'system/*.read') return refuse('scope');
    const access = randomUUID();
    issued.add(access);
    return {
      status: 200,
      body: { access_token: access, token_type: 'bearer', expires_in: 300, scope: 'system/*.read' },
    };
  };
  fhir.hooks.push((req) => {
    if (req.path === '/auth/token' && req.method === 'POST') return token(req);
    if (req.path === '/.well-known/smart-configuration')
      return options.discover
        ? { status: 200, body: { token_endpoint: tokenUrl } }
        : { status: 404, body: {} };
    const bearer = /^Bearer (.+)$/.exec(req.headers.authorization ?? '')?.[1];
    if (!bearer || !issued.has(bearer))
      return {
        status: 401,
        body: { resourceType: 'OperationOutcome', issue: [{ severity: 'error', code: 'login' }] },
      };
    return undefined;
  });
  return { tokenUrl, issued, refusals, seenJti };
}

function keys(alg: 'RS384' | 'ES384') {
  const pair =
    alg === 'RS384'
      ? generateKeyPairSync('rsa', { modulusLength: 2048 })
      : generateKeyPairSync('ec', { namedCurve: 'P-384' });
  return {
    publicKey: pair.publicKey,
    pem: pair.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
}

let n = 0;
function addSmartSource(alg: 'RS384' | 'ES384', pem: string, tokenUrl: string | undefined) {
  const store = new SourceStore(node.store.db);
  const id = store.add({
    name: `SMART ${++n}`,
    baseUrl: server.baseUrl,
    auth: {
      kind: 'smart',
      clientId: 'vitalmesh-node',
      algorithm: alg,
      keyId: 'k1',
      scope: 'system/*.read',
      privateKey: pem,
      ...(tokenUrl ? { tokenUrl } : {}),
    },
    resources: ['Patient', 'Observation'],
    intervalSeconds: null,
    pageSize: 50,
    enabled: true,
  });
  return store.require(id);
}

describe('SMART Backend Services', () => {
  for (const alg of ['RS384', 'ES384'] as const) {
    it(`${alg}: a signed assertion buys a token the sync uses on every request`, async () => {
      server = await startFhirTestServer();
      await seedCorpus(server);
      const k = keys(alg);
      const smart = smartServer(server, {
        clientId: 'vitalmesh-node',
        alg,
        kid: 'k1',
        publicKey: k.publicKey,
      });
      const result = await sync(node.store.db, addSmartSource(alg, k.pem, smart.tokenUrl));
      expect(result.outcome, result.message ?? '').toBe('ok');
      expect(result.counts.stored).toBeGreaterThan(20);
      expect(smart.refusals).toEqual([]);
      // One token for the whole run (it is valid for five minutes).
      expect(smart.issued.size).toBe(1);
      const fhirCalls = server.requests.filter((r) => r.path !== '/auth/token');
      expect(fhirCalls.every((r) => r.headers.authorization === `Bearer ${[...smart.issued][0]}`)).toBe(true);
    });
  }

  it('finds the token endpoint in .well-known/smart-configuration, and gets a fresh token when one is revoked', async () => {
    server = await startFhirTestServer();
    await seedCorpus(server);
    const k = keys('ES384');
    const smart = smartServer(
      server,
      { clientId: 'vitalmesh-node', alg: 'ES384', kid: 'k1', publicKey: k.publicKey },
      { discover: true },
    );
    // Revoke the first token after the CapabilityStatement: the next request gets a 401.
    let revoked = false;
    server.hooks.unshift((req) => {
      if (!revoked && req.path === '/Patient') {
        revoked = true;
        smart.issued.clear();
      }
      return undefined;
    });
    const result = await sync(node.store.db, addSmartSource('ES384', k.pem, undefined));
    expect(result.outcome, result.message ?? '').toBe('ok');
    expect(server.requests.some((r) => r.path === '/.well-known/smart-configuration')).toBe(true);
    expect(smart.seenJti.size).toBe(2);
  });

  it('a key the server does not know: refused at the token endpoint, the source stops with the reason', async () => {
    server = await startFhirTestServer();
    const registered = keys('RS384');
    const other = keys('RS384');
    const smart = smartServer(server, {
      clientId: 'vitalmesh-node',
      alg: 'RS384',
      kid: 'k1',
      publicKey: registered.publicKey,
    });
    const result = await sync(node.store.db, addSmartSource('RS384', other.pem, smart.tokenUrl));
    expect(result.outcome).toBe('stopped');
    expect(result.message).toBe(
      'the token endpoint refused our client assertion (401): invalid_client: signature',
    );
    expect(smart.refusals).toEqual(['signature']);
  });
});
