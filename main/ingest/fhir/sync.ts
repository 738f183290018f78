import type { VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { FhirIssue, FhirResourceType, FhirSyncCounts, FhirSyncResult } from '../../../shared/api/fhir';
import type { Db } from '../../store/database';
import type { Logger } from '../../log/logger';
import { FhirConnection, outcomeIssues, type Bundle, type Json, type RetryPolicy } from './connection';
import { FhirAuthError, FhirSyncError } from './errors';
import { FhirRepository } from './fhir-repository';
import { referenceId } from './mapping';
import { storeResource, type PageContext } from './store-resource';
import type { FhirSource } from './source-store';

/** One search the sync runs, with its own cursor. */
export interface SyncStream {
  readonly key: string;
  readonly type: FhirResourceType;
  readonly params: Record<string, string>;
}

/**
 * The searches for a source: each selected type by `_lastUpdated`; Observations twice — by the
 * vital-signs category and by the catalog's LOINC codes (a vital coded but not categorised) —
 * the overlap costs nothing, since the second sight of a version is `unchanged`.
 */
export function planStreams(resources: readonly FhirResourceType[], catalog: VitalCatalog): SyncStream[] {
  const loinc = [...new Set(catalog.vitals.flatMap((v) => v.loinc))].map((c) => `http://loinc.org|${c}`);
  const streams: SyncStream[] = [];
  // Locations before Encounters (bed context), Patients and Devices before Observations (links).
  for (const type of ['Location', 'Patient', 'Device', 'Encounter', 'Observation'] as const) {
    if (!resources.includes(type)) continue;
    if (type === 'Observation') {
      streams.push({ key: 'Observation:vital-signs', type, params: { category: 'vital-signs' } });
      streams.push({ key: 'Observation:catalog', type, params: { code: loinc.join(',') } });
    } else streams.push({ key: type, type, params: {} });
  }
  return streams;
}

export interface SyncDeps {
  readonly db: Db;
  readonly catalog: VitalCatalog;
  readonly logger: Logger;
  readonly now?: () => number;
  readonly retry?: RetryPolicy;
  readonly signal?: AbortSignal;
  readonly onProgress?: (p: SyncProgressInfo) => void;
}

export interface SyncProgressInfo {
  readonly phase: 'started' | 'page';
  readonly resourceType: string | null;
  readonly counts: FhirSyncCounts;
  readonly streamsDone: number;
  readonly streamsTotal: number;
  readonly total: number | null;
  readonly message: string | null;
}

export const zeroCounts = (): FhirSyncCounts => ({
  fetched: 0,
  stored: 0,
  unchanged: 0,
  skipped: 0,
  quarantined: 0,
  retracted: 0,
  observations: 0,
  pages: 0,
});

const lastUpdatedOf = (r: Json): string | undefined =>
  (r.meta as { lastUpdated?: string } | undefined)?.lastUpdated;

/**
 * One sync of one source: CapabilityStatement check, then each search followed through its `next`
 * links. Each page is stored in one transaction together with its stream's cursor, so the cursor
 * never runs ahead of what is committed: a crash or failure mid-sync resumes at the last committed
 * page, and what is fetched twice is recognised by source + id + versionId.
 */
export async function runSync(source: FhirSource, deps: SyncDeps): Promise<FhirSyncResult> {
  const now = deps.now ?? Date.now;
  const started = now();
  const counts = zeroCounts();
  const issues: FhirIssue[] = [];
  const repo = new FhirRepository(deps.db);
  const streams = planStreams(source.resources, deps.catalog);
  let streamsDone = 0;
  let message: string | null = null;
  const progress = (phase: SyncProgressInfo['phase'], type: string | null, total: number | null) =>
    deps.onProgress?.({
      phase,
      resourceType: type,
      counts: { ...counts },
      streamsDone,
      streamsTotal: streams.length + 1,
      total,
      message,
    });
  const conn = new FhirConnection({
    baseUrl: source.baseUrl,
    auth: source.auth,
    logger: deps.logger,
    ...(deps.retry ? { retry: deps.retry } : {}),
    ...(deps.signal ? { signal: deps.signal } : {}),
    onRetry: ({ status, waitMs }) => {
      message = `server answered ${status ?? 'no response'}; retrying in ${Math.ceil(waitMs / 1000)} s`;
      progress('page', null, null);
    },
  });
  const finish = (outcome: FhirSyncResult['outcome'], text: string | null): FhirSyncResult => ({
    sourceId: source.id,
    outcome,
    counts,
    message: text,
    issues,
    durationMs: now() - started,
  });

  progress('started', null, null);
  try {
    const caps = await conn.capabilities(source.resources);
    streamsDone = 1;
    for (const stream of streams) {
      await syncStream(stream);
      streamsDone++;
    }
    if (source.resources.includes('Observation') && caps.historyType.has('Observation'))
      await syncDeletions();
    return finish('ok', counts.quarantined ? `${counts.quarantined} resource(s) quarantined` : null);
  } catch (error) {
    if (error instanceof FhirSyncError) {
      issues.push(...error.issues);
      return finish(error instanceof FhirAuthError ? 'stopped' : 'error', error.message);
    }
    deps.logger.error({ err: error, sourceId: source.id }, 'FHIR sync failed');
    return finish('error', `the sync failed inside the node: ${(error as Error).message}`);
  }

  async function syncStream(stream: SyncStream): Promise<void> {
    const cursor = repo.cursor(source.id, stream.key);
    let bundle: Bundle | undefined = await conn.search(stream.type, {
      ...stream.params,
      ...(cursor ? { _lastUpdated: `gt${cursor}` } : {}),
      _sort: '_lastUpdated',
      _count: String(source.pageSize),
    });
    // Pages in _lastUpdated order let the cursor move page by page; a server that ignores
    // _sort gets its cursor moved only when the whole search is through.
    let ordered = true;
    let high: string | undefined;
    while (bundle) {
      const resources = entriesOf(bundle, stream.type);
      const referenced = await prefetch(resources);
      const times = resources.map(lastUpdatedOf).filter((t): t is string => !!t);
      for (const t of times) {
        if (high !== undefined && Date.parse(t) < Date.parse(high)) ordered = false;
        if (high === undefined || Date.parse(t) > Date.parse(high)) high = t;
      }
      const hasNext = bundle.link?.some((l) => l.relation === 'next') ?? false;
      // Mid-search, entries sharing the page's last instant may continue on the next page, so the
      // cursor stops just below it; `gt` then re-reads them, and they come back `unchanged`.
      const last = times.at(-1);
      const mid = ordered && last ? times.filter((t) => Date.parse(t) < Date.parse(last)).at(-1) : undefined;
      const advance = hasNext ? mid : high;
      deps.db.transaction(() => {
        const ctx: PageContext = { source, repo, catalog: deps.catalog, counts, now: now(), referenced };
        for (const r of referenced.values()) if (r.resource) storeResource(ctx, r.resource);
        for (const r of resources) storeResource(ctx, r);
        if (advance) repo.setCursor(source.id, stream.key, advance);
      })();
      counts.pages++;
      progress('page', stream.type, bundle.total ?? null);
      bundle = await conn.next(bundle);
    }
  }

  /** Entries of the searched type; an OperationOutcome entry (search.mode outcome) goes to IT. */
  function entriesOf(bundle: Bundle, type: string): Json[] {
    const out: Json[] = [];
    for (const e of bundle.entry ?? []) {
      const r = e.resource;
      if (!r) continue;
      if (r.resourceType === 'OperationOutcome') issues.push(...outcomeIssues(r));
      else if (r.resourceType === type && e.search?.mode !== 'include') out.push(r);
    }
    counts.fetched += out.length;
    return out;
  }

  /**
   * Patients and Devices that a page's Observations and Encounters name but the node doesn't
   * know yet (changed before the cursor, or outside the searches) are read by id, before the
   * page's transaction, so links resolve instead of being lost.
   */
  async function prefetch(resources: readonly Json[]): Promise<PageContext['referenced']> {
    const wanted = new Map<string, { type: 'Patient' | 'Device'; id: string }>();
    const inPage = new Set(resources.map((r) => `${String(r.resourceType)}/${String(r.id)}`));
    for (const r of resources) {
      const refs: ['Patient' | 'Device', unknown][] = [
        ['Patient', r.subject],
        ['Device', r.device],
      ];
      for (const [type, ref] of refs) {
        const id = referenceId(ref as { reference?: string }, type);
        if (!id || inPage.has(`${type}/${id}`) || repo.find({ sourceId: source.id, type, id })) continue;
        if (type === 'Device' && !source.resources.includes('Device')) continue;
        wanted.set(`${type}/${id}`, { type, id });
      }
    }
    const got: PageContext['referenced'] = new Map();
    for (const [ref, { type, id }] of wanted) {
      try {
        const resource = await conn.read(type, id);
        counts.fetched++;
        got.set(ref, { resource });
      } catch (error) {
        if (error instanceof FhirSyncError && error.status === 404)
          got.set(ref, { missing: `the server has no ${ref} (404)` });
        else if (error instanceof FhirSyncError && error.status === 410)
          got.set(ref, { missing: `${ref} was deleted on the server (410)` });
        else throw error;
      }
    }
    return got;
  }

  /** Type-level history since the last look: DELETE entries retract what those resources stored. */
  async function syncDeletions(): Promise<void> {
    const key = 'history:Observation';
    const since =
      repo.cursor(source.id, key) ??
      [repo.cursor(source.id, 'Observation:vital-signs'), repo.cursor(source.id, 'Observation:catalog')]
        .filter((t): t is string => !!t)
        .sort((a, b) => Date.parse(b) - Date.parse(a))[0];
    if (!since) return;
    let bundle: Bundle | undefined = await conn.history('Observation', since, source.pageSize);
    let high = since;
    while (bundle) {
      const page = bundle;
      deps.db.transaction(() => {
        for (const e of page.entry ?? []) {
          const at =
            (e as { response?: { lastModified?: string } }).response?.lastModified ??
            (e.resource && lastUpdatedOf(e.resource));
          if (at && Date.parse(at) > Date.parse(high)) high = at;
          if (e.request?.method !== 'DELETE') continue;
          const id = e.request.url?.match(/Observation\/([A-Za-z0-9\-.]{1,64})/)?.[1];
          const row = id ? repo.find({ sourceId: source.id, type: 'Observation', id }) : undefined;
          if (!row || row.retractedAt !== null) continue;
          repo.retract(row.id, 'deleted', null, at ?? null, now());
          counts.retracted++;
        }
        repo.setCursor(source.id, key, high);
      })();
      counts.pages++;
      progress('page', 'Observation', null);
      bundle = await conn.next(bundle);
    }
  }
}
