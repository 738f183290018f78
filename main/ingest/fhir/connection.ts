import { Client } from 'fhir-kit-client';
import type { FhirIssue, FhirResourceType } from '../../../shared/api/fhir';
import type { Logger } from '../../log/logger';
import { FhirAuthError, FhirCapabilityError, FhirSyncError } from './errors';
import { SmartTokenSource } from './smart-auth';
import type { StoredAuth } from './source-store';

/** A FHIR resource as it comes off the wire: validated later, per resource. */
export type Json = Record<string, unknown>;

export interface Bundle {
  resourceType: 'Bundle';
  total?: number;
  link?: { relation: string; url: string }[];
  entry?: { resource?: Json; search?: { mode?: string }; request?: { method?: string; url?: string } }[];
}

export interface RetryPolicy {
  /** Attempts per request, the first included. */
  readonly attempts: number;
  readonly baseMs: number;
  readonly maxMs: number;
}

export const DEFAULT_RETRY: RetryPolicy = { attempts: 6, baseMs: 500, maxMs: 60_000 };

export interface ConnectionOptions {
  readonly baseUrl: string;
  readonly auth: StoredAuth;
  readonly logger: Logger;
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
  /** Called before each wait, for the progress line ("server busy, retrying in 2 s"). */
  readonly onRetry?: (info: { status: number | undefined; waitMs: number; attempt: number }) => void;
}

/** What the sync needs from the CapabilityStatement, per resource type. */
export interface Capabilities {
  readonly fhirVersion: string | undefined;
  readonly historyType: ReadonlySet<string>;
}

/** OperationOutcome issues → what IT reads. @see https://hl7.org/fhir/R4/operationoutcome.html */
export function outcomeIssues(body: unknown): FhirIssue[] {
  const oo = body as { resourceType?: string; issue?: unknown[] } | undefined;
  if (oo?.resourceType !== 'OperationOutcome' || !Array.isArray(oo.issue)) return [];
  return oo.issue.map((raw) => {
    const i = raw as {
      severity?: string;
      code?: string;
      diagnostics?: string;
      details?: { text?: string; coding?: { display?: string; code?: string }[] };
    };
    const text =
      i.details?.text ??
      i.diagnostics ??
      i.details?.coding?.[0]?.display ??
      i.details?.coding?.[0]?.code ??
      '';
    return { severity: i.severity ?? 'error', code: i.code ?? 'unknown', text: text.slice(0, 500) };
  });
}

/** Retry-After is seconds or an HTTP date (RFC 9110 §10.2.3). */
export function retryAfterMs(header: string | null | undefined, now = Date.now()): number | undefined {
  if (!header) return undefined;
  if (/^\d+$/.test(header.trim())) return Number(header.trim()) * 1000;
  const at = Date.parse(header);
  return Number.isNaN(at) ? undefined : Math.max(0, at - now);
}

interface KitError {
  message: string;
  response?: { status: number; data: unknown };
  config?: { headers?: Headers };
}

/** The server, through fhir-kit-client: auth on every request, 429/5xx retried with backoff. */
export class FhirConnection {
  private readonly client: Client;
  private readonly tokens: SmartTokenSource | undefined;
  private readonly retry: RetryPolicy;
  requests = 0;

  constructor(private readonly options: ConnectionOptions) {
    const { auth } = options;
    this.retry = options.retry ?? DEFAULT_RETRY;
    const customHeaders: Record<string, string> = {};
    if (auth.kind === 'basic')
      customHeaders.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`;
    this.client = new Client({
      baseUrl: options.baseUrl,
      customHeaders,
      ...(auth.kind === 'bearer' ? { bearerToken: auth.token } : {}),
    });
    this.tokens = auth.kind === 'smart' ? new SmartTokenSource(auth, options.baseUrl) : undefined;
  }

  get tokensFetched(): number {
    return this.tokens?.fetched ?? 0;
  }

  /** Reads the CapabilityStatement and refuses, with the reason, a server the sync can't use. */
  async capabilities(types: readonly FhirResourceType[]): Promise<Capabilities> {
    const cs = (await this.send('read the CapabilityStatement', (o) =>
      this.client.capabilityStatement(o),
    )) as Json;
    if (cs.resourceType !== 'CapabilityStatement')
      throw new FhirCapabilityError(
        `GET ${this.options.baseUrl}/metadata did not return a CapabilityStatement`,
      );
    const fhirVersion = typeof cs.fhirVersion === 'string' ? cs.fhirVersion : undefined;
    if (fhirVersion && !fhirVersion.startsWith('4.0'))
      throw new FhirCapabilityError(
        `the server speaks FHIR ${fhirVersion}; VitalMesh imports FHIR R4 (4.0.x)`,
      );
    const rest = (cs.rest as Json[] | undefined)?.find((r) => r.mode === 'server');
    if (!rest) throw new FhirCapabilityError('the CapabilityStatement has no rest entry in server mode');
    const common = new Set(((rest.searchParam as Json[] | undefined) ?? []).map((p) => String(p.name)));
    const historyType = new Set<string>();
    const problems: string[] = [];
    for (const type of types) {
      const r = ((rest.resource as Json[] | undefined) ?? []).find((x) => x.type === type);
      if (!r) {
        problems.push(`${type} is not offered`);
        continue;
      }
      const interactions = new Set(((r.interaction as Json[] | undefined) ?? []).map((i) => String(i.code)));
      const params = new Set(((r.searchParam as Json[] | undefined) ?? []).map((p) => String(p.name)));
      if (!interactions.has('search-type')) problems.push(`${type} can't be searched (no search-type)`);
      else if (!params.has('_lastUpdated') && !common.has('_lastUpdated'))
        problems.push(`${type} can't be searched by _lastUpdated`);
      if (interactions.has('history-type')) historyType.add(type);
    }
    if (problems.length > 0)
      throw new FhirCapabilityError(
        `the server's CapabilityStatement lacks what incremental sync needs: ${problems.join('; ')}`,
      );
    return { fhirVersion, historyType };
  }

  search(resourceType: string, params: Record<string, string>): Promise<Bundle> {
    return this.send(`search ${resourceType}`, (o) =>
      this.client.search({ resourceType, searchParams: params, options: o }),
    ) as Promise<Bundle>;
  }

  /** One resource by id (a Patient or Device a page refers to but the node hasn't seen). */
  read(resourceType: string, id: string): Promise<Json> {
    return this.send(`read ${resourceType}/${id}`, (o) =>
      this.client.read({ resourceType, id, options: o }),
    ) as Promise<Json>;
  }

  /**
   * The bundle's `next` page, or undefined at the end. A next link to another origin is refused:
   * following it would hand our credentials to a server IT never configured.
   */
  next(bundle: Bundle): Promise<Bundle> | undefined {
    const link = bundle.link?.find((l) => l.relation === 'next');
    if (!link) return undefined;
    let origin: string | undefined;
    try {
      origin = new URL(link.url, this.options.baseUrl).origin;
    } catch {
      origin = undefined;
    }
    if (origin !== new URL(this.options.baseUrl).origin)
      return Promise.reject(
        new FhirSyncError(
          `the server's next link (${link.url.slice(0, 200)}) leaves ${new URL(this.options.baseUrl).origin}; not followed`,
        ),
      );
    return this.send(
      'fetch the next page',
      (o) => this.client.nextPage({ bundle: bundle as never, options: o }) as Promise<unknown>,
    ) as Promise<Bundle>;
  }

  /** Type-level history since a time, for deletions. */
  history(resourceType: string, since: string, count: number): Promise<Bundle> {
    return this.send(`read ${resourceType} history`, (o) =>
      this.client.request(`${resourceType}/_history?_since=${encodeURIComponent(since)}&_count=${count}`, {
        options: o,
      }),
    ) as Promise<Bundle>;
  }

  private async send(
    what: string,
    call: (options: { signal?: AbortSignal }) => Promise<unknown>,
  ): Promise<unknown> {
    let refreshed = false;
    for (let attempt = 1; ; attempt++) {
      try {
        if (this.tokens) this.client.bearerToken = await this.tokens.get();
        this.requests++;
        return await call(this.options.signal ? { signal: this.options.signal } : {});
      } catch (raw) {
        if (this.options.signal?.aborted) throw new FhirSyncError('the sync was cancelled (node closing)');
        const error = this.classify(raw as KitError, what);
        if (error instanceof FhirAuthError && this.tokens && !refreshed && error.status === 401) {
          // The token may have been revoked early: one fresh token before giving up.
          refreshed = true;
          this.tokens.invalidate();
          continue;
        }
        if (!error.retry || attempt >= this.retry.attempts) throw error;
        const backoff = Math.min(this.retry.maxMs, this.retry.baseMs * 2 ** (attempt - 1));
        // Jitter keeps many nodes from hammering a recovering server in step.
        const waitMs = Math.min(this.retry.maxMs, error.retryAfterMs ?? backoff * (0.75 + Math.random() / 2));
        this.options.onRetry?.({ status: error.status, waitMs, attempt });
        this.options.logger.warn({ status: error.status, waitMs, attempt }, 'FHIR request failed; retrying');
        await sleep(waitMs, this.options.signal);
      }
    }
  }

  private classify(e: KitError, what: string): FhirSyncError {
    // Ours already (the token endpoint's answer): it knows whether a retry may help.
    if (e instanceof FhirSyncError) return e;
    const status = e.response?.status;
    if (status === undefined)
      return new FhirSyncError(`could not ${what}: ${(e as { cause?: Error }).cause?.message ?? e.message}`, {
        retry: true,
      });
    const issues = outcomeIssues(e.response?.data);
    const said = issues.length ? `: ${issues.map((i) => i.text || i.code).join('; ')}` : '';
    if (status === 401 || status === 403)
      return new FhirAuthError(
        `the server refused our credentials (${status} ${status === 401 ? 'Unauthorized' : 'Forbidden'}) ` +
          `when trying to ${what}${said}; the source is stopped until its credentials are changed`,
        { status, issues },
      );
    const after = retryAfterMs(e.config?.headers?.get?.('retry-after'));
    if (status === 429 || status >= 500)
      return new FhirSyncError(`the server answered ${status} when trying to ${what}${said}`, {
        status,
        issues,
        retry: true,
        ...(after !== undefined ? { retryAfterMs: after } : {}),
      });
    return new FhirSyncError(`the server answered ${status} when trying to ${what}${said}`, {
      status,
      issues,
    });
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new FhirSyncError('the sync was cancelled (node closing)'));
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(timer);
      reject(new FhirSyncError('the sync was cancelled (node closing)'));
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
