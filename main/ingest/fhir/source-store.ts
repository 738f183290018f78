import { createHash, createPrivateKey, createPublicKey } from 'node:crypto';
import type {
  FhirAuthInput,
  FhirIssue,
  FhirQuarantineEntry,
  FhirResourceType,
  FhirSourceView,
  FhirSyncCounts,
} from '../../../shared/api/fhir';
import { ApiError } from '../../../shared/api/errors';
import type { Db } from '../../store/database';

export type SourceState = FhirSourceView['state'];

/** A source as the sync engine needs it, secret included. Never crosses the API. */
export interface FhirSource {
  readonly id: number;
  readonly name: string;
  readonly baseUrl: string;
  readonly auth: StoredAuth;
  readonly resources: readonly FhirResourceType[];
  readonly intervalSeconds: number | null;
  readonly pageSize: number;
  readonly enabled: boolean;
  readonly state: SourceState;
  readonly lastRunAt: number | null;
}

export type StoredAuth =
  | { kind: 'none' }
  | { kind: 'basic'; username: string; password: string }
  | { kind: 'bearer'; token: string }
  | {
      kind: 'smart';
      clientId: string;
      tokenUrl?: string | undefined;
      algorithm: 'RS384' | 'ES384';
      keyId?: string | undefined;
      scope: string;
      privateKey: string;
    };

interface SourceRow {
  id: number;
  name: string;
  base_url: string;
  auth_kind: StoredAuth['kind'];
  auth_json: string;
  secret: string | null;
  resources: string;
  interval_seconds: number | null;
  page_size: number;
  enabled: number;
  state: SourceState;
  last_error: string | null;
  last_issues: string | null;
  last_counts: string | null;
  last_run_at: number | null;
  last_success_at: number | null;
}

export interface SourceFields {
  name: string;
  baseUrl: string;
  auth: FhirAuthInput;
  resources: readonly FhirResourceType[];
  intervalSeconds: number | null;
  pageSize: number;
  enabled: boolean;
}

/** Splits auth into its settings (JSON) and its one secret; a missing secret keeps `previous`. */
function splitAuth(
  auth: FhirAuthInput,
  previous: StoredAuth | undefined,
): { json: string; secret: string | null } {
  const keep = previous?.kind === auth.kind ? previous : undefined;
  switch (auth.kind) {
    case 'none':
      return { json: '{}', secret: null };
    case 'basic': {
      const secret = auth.password ?? (keep?.kind === 'basic' ? keep.password : undefined);
      if (!secret) throw new ApiError('bad_request', 'basic auth needs a password');
      return { json: JSON.stringify({ username: auth.username }), secret };
    }
    case 'bearer': {
      const secret = auth.token ?? (keep?.kind === 'bearer' ? keep.token : undefined);
      if (!secret) throw new ApiError('bad_request', 'bearer auth needs a token');
      return { json: '{}', secret };
    }
    case 'smart': {
      const secret = auth.privateKey ?? (keep?.kind === 'smart' ? keep.privateKey : undefined);
      if (!secret) throw new ApiError('bad_request', 'SMART Backend Services needs a private key (PEM)');
      checkPrivateKey(secret, auth.algorithm);
      const { clientId, tokenUrl, algorithm, keyId, scope } = auth;
      return { json: JSON.stringify({ clientId, tokenUrl, algorithm, keyId, scope }), secret };
    }
    default: {
      const never: never = auth;
      throw new Error(`unknown auth ${String(never)}`);
    }
  }
}

/** Refuses a key that can't sign with the chosen algorithm now, not at 3 am on the first sync. */
function checkPrivateKey(pem: string, algorithm: 'RS384' | 'ES384'): void {
  let key;
  try {
    key = createPrivateKey(pem);
  } catch {
    throw new ApiError('bad_request', 'the private key is not a readable PEM private key');
  }
  const type = key.asymmetricKeyType;
  if (algorithm === 'RS384' && type !== 'rsa')
    throw new ApiError('bad_request', `RS384 needs an RSA key, not ${type}`);
  if (algorithm === 'ES384' && (type !== 'ec' || key.asymmetricKeyDetails?.namedCurve !== 'secp384r1'))
    throw new ApiError('bad_request', 'ES384 needs an EC key on curve P-384');
}

function joinAuth(row: SourceRow): StoredAuth {
  const s = JSON.parse(row.auth_json) as Record<string, string | undefined>;
  const secret = row.secret ?? '';
  switch (row.auth_kind) {
    case 'none':
      return { kind: 'none' };
    case 'basic':
      return { kind: 'basic', username: s.username ?? '', password: secret };
    case 'bearer':
      return { kind: 'bearer', token: secret };
    case 'smart':
      return {
        kind: 'smart',
        clientId: s.clientId ?? '',
        tokenUrl: s.tokenUrl,
        algorithm: s.algorithm === 'ES384' ? 'ES384' : 'RS384',
        keyId: s.keyId,
        scope: s.scope ?? 'system/*.read',
        privateKey: secret,
      };
    default:
      throw new Error(`unknown auth kind in store: ${String(row.auth_kind)}`);
  }
}

/** What IT sees of a secret: that it is set, and just enough to tell two apart. */
export function maskSecret(auth: StoredAuth): string | null {
  switch (auth.kind) {
    case 'none':
      return null;
    case 'basic':
      return 'set (password hidden)';
    case 'bearer':
      return auth.token.length >= 24 ? `set (••••${auth.token.slice(-4)})` : 'set (token hidden)';
    case 'smart': {
      try {
        const der = createPublicKey(auth.privateKey).export({ type: 'spki', format: 'der' });
        const digest = createHash('sha256').update(der).digest('hex');
        return `${auth.algorithm} key, public key SHA-256 ${digest.slice(0, 16)}…`;
      } catch {
        return 'set (unreadable key)';
      }
    }
    default:
      return null;
  }
}

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The fhir_sources table: configuration, secrets and last-run state. */
export class SourceStore {
  constructor(
    private readonly db: Db,
    private readonly now: () => number = Date.now,
  ) {}

  add(fields: SourceFields): number {
    const { json, secret } = splitAuth(fields.auth, undefined);
    const t = this.now();
    try {
      return Number(
        this.db
          .prepare(
            `INSERT INTO fhir_sources (name, base_url, auth_kind, auth_json, secret, resources, interval_seconds,
             page_size, enabled, created_at, updated_at) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
          )
          .run(
            fields.name,
            fields.baseUrl,
            fields.auth.kind,
            json,
            secret,
            JSON.stringify(fields.resources),
            fields.intervalSeconds,
            fields.pageSize,
            fields.enabled ? 1 : 0,
            t,
            t,
          ).lastInsertRowid,
      );
    } catch (error) {
      if (String(error).includes('UNIQUE'))
        throw new ApiError('conflict', `a source named "${fields.name}" exists`);
      throw error;
    }
  }

  private row(id: number): SourceRow | undefined {
    return this.db.prepare('SELECT * FROM fhir_sources WHERE id = ?').get(id) as SourceRow | undefined;
  }

  get(id: number): FhirSource | undefined {
    const row = this.row(id);
    return row ? toSource(row) : undefined;
  }

  require(id: number): FhirSource {
    const source = this.get(id);
    if (!source) throw new ApiError('not_found', `there is no FHIR source ${id}`);
    return source;
  }

  all(): FhirSource[] {
    return (this.db.prepare('SELECT * FROM fhir_sources ORDER BY id').all() as SourceRow[]).map(toSource);
  }

  /** Applies a change; any change of configuration clears a 'stopped' state (IT has acted). */
  update(id: number, change: Partial<SourceFields>): void {
    const current = this.require(id);
    const sets: string[] = [];
    const args: unknown[] = [];
    const set = (column: string, value: unknown) => {
      sets.push(`${column} = ?`);
      args.push(value);
    };
    if (change.name !== undefined) set('name', change.name);
    if (change.baseUrl !== undefined) set('base_url', change.baseUrl);
    if (change.auth !== undefined) {
      const { json, secret } = splitAuth(change.auth, current.auth);
      set('auth_kind', change.auth.kind);
      set('auth_json', json);
      set('secret', secret);
    }
    if (change.resources !== undefined) set('resources', JSON.stringify(change.resources));
    if (change.intervalSeconds !== undefined) set('interval_seconds', change.intervalSeconds);
    if (change.pageSize !== undefined) set('page_size', change.pageSize);
    if (change.enabled !== undefined) set('enabled', change.enabled ? 1 : 0);
    if (current.state === 'stopped') set('state', 'idle');
    set('updated_at', this.now());
    try {
      this.db.prepare(`UPDATE fhir_sources SET ${sets.join(', ')} WHERE id = ?`).run(...args, id);
    } catch (error) {
      if (String(error).includes('UNIQUE'))
        throw new ApiError('conflict', `a source named "${change.name}" exists`);
      throw error;
    }
  }

  remove(id: number): boolean {
    return this.db.prepare('DELETE FROM fhir_sources WHERE id = ?').run(id).changes > 0;
  }

  markRunning(id: number): void {
    this.db
      .prepare("UPDATE fhir_sources SET state = 'running', last_run_at = ? WHERE id = ?")
      .run(this.now(), id);
  }

  finish(
    id: number,
    outcome: 'ok' | 'error' | 'stopped',
    counts: FhirSyncCounts,
    message: string | null,
    issues: readonly FhirIssue[],
  ): void {
    this.db
      .prepare(
        `UPDATE fhir_sources SET state = ?, last_error = ?, last_issues = ?, last_counts = ?,
         last_success_at = CASE WHEN ? = 'ok' THEN ? ELSE last_success_at END WHERE id = ?`,
      )
      .run(outcome, message, JSON.stringify(issues), JSON.stringify(counts), outcome, this.now(), id);
  }

  /** A run cut short by a crash leaves 'running'; at start nothing runs yet. */
  resetRunning(): void {
    this.db.prepare("UPDATE fhir_sources SET state = 'idle' WHERE state = 'running'").run();
  }

  view(id: number): FhirSourceView {
    const row = this.row(id);
    if (!row) throw new ApiError('not_found', `there is no FHIR source ${id}`);
    return toView(row, this.quarantined(id));
  }

  views(): FhirSourceView[] {
    const rows = this.db.prepare('SELECT * FROM fhir_sources ORDER BY id').all() as SourceRow[];
    return rows.map((row) => toView(row, this.quarantined(row.id)));
  }

  /** Quarantined resources, newest first: what failed and why, never the resource itself (PHI). */
  quarantine(id: number, limit: number): FhirQuarantineEntry[] {
    const rows = this.db
      .prepare(
        `SELECT id, resource_type AS resourceType, resource_id AS resourceId, version_id AS versionId, reason, at
         FROM fhir_quarantine WHERE source_id = ? ORDER BY id DESC LIMIT ?`,
      )
      .all(id, limit) as (Omit<FhirQuarantineEntry, 'at'> & { at: number })[];
    return rows.map((r) => ({ ...r, at: new Date(r.at).toISOString() }));
  }

  private quarantined(id: number): number {
    return (
      this.db.prepare('SELECT count(*) AS n FROM fhir_quarantine WHERE source_id = ?').get(id) as {
        n: number;
      }
    ).n;
  }
}

function toSource(row: SourceRow): FhirSource {
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.base_url,
    auth: joinAuth(row),
    resources: JSON.parse(row.resources) as FhirResourceType[],
    intervalSeconds: row.interval_seconds,
    pageSize: row.page_size,
    enabled: row.enabled === 1,
    state: row.state,
    lastRunAt: row.last_run_at,
  };
}

function toView(row: SourceRow, quarantined: number): FhirSourceView {
  const auth = joinAuth(row);
  const settings = JSON.parse(row.auth_json) as Record<string, string | undefined>;
  return {
    id: row.id,
    name: row.name,
    baseUrl: row.base_url,
    auth: {
      kind: auth.kind,
      ...(settings.username ? { username: settings.username } : {}),
      ...(settings.clientId ? { clientId: settings.clientId } : {}),
      ...(settings.tokenUrl ? { tokenUrl: settings.tokenUrl } : {}),
      ...(auth.kind === 'smart' ? { algorithm: auth.algorithm, scope: auth.scope } : {}),
      ...(settings.keyId ? { keyId: settings.keyId } : {}),
      secret: maskSecret(auth),
    },
    resources: JSON.parse(row.resources) as FhirResourceType[],
    intervalSeconds: row.interval_seconds,
    pageSize: row.page_size,
    enabled: row.enabled === 1,
    state: row.state,
    lastError: row.last_error,
    lastIssues: row.last_issues ? (JSON.parse(row.last_issues) as FhirIssue[]) : [],
    lastCounts: row.last_counts ? (JSON.parse(row.last_counts) as FhirSyncCounts) : null,
    lastRunAt: iso(row.last_run_at),
    lastSuccessAt: iso(row.last_success_at),
    quarantined,
  };
}
