import { createPrivateKey, randomUUID, sign } from 'node:crypto';
import { z } from 'zod';
import { FhirAuthError, FhirSyncError } from './errors';

/**
 * SMART Backend Services: client credentials with a signed JWT assertion (RFC 7523), and the
 * access token it buys, refreshed before it expires.
 * @see https://hl7.org/fhir/smart-app-launch/backend-services.html
 */
export interface SmartSettings {
  readonly clientId: string;
  readonly tokenUrl?: string | undefined;
  readonly algorithm: 'RS384' | 'ES384';
  readonly keyId?: string | undefined;
  readonly scope: string;
  readonly privateKey: string;
}

const b64url = (data: Buffer | string) => Buffer.from(data).toString('base64url');

/** The client assertion: iss = sub = client id, aud = token URL, at most 5 minutes, unique jti. */
export function signAssertion(settings: SmartSettings, tokenUrl: string, nowMs: number): string {
  const header = { alg: settings.algorithm, typ: 'JWT', ...(settings.keyId ? { kid: settings.keyId } : {}) };
  const now = Math.floor(nowMs / 1000);
  const claims = {
    iss: settings.clientId,
    sub: settings.clientId,
    aud: tokenUrl,
    exp: now + 300,
    iat: now,
    jti: randomUUID(),
  };
  const input = `${b64url(JSON.stringify(header))}.${b64url(JSON.stringify(claims))}`;
  const key = createPrivateKey(settings.privateKey);
  // JWS wants ECDSA signatures as r‖s (IEEE P1363), not DER (RFC 7518 §3.4).
  const signature = sign('sha384', Buffer.from(input), {
    key,
    ...(settings.algorithm === 'ES384' ? { dsaEncoding: 'ieee-p1363' as const } : {}),
  });
  return `${input}.${b64url(signature)}`;
}

const tokenResponse = z.object({
  access_token: z.string().min(1),
  token_type: z.string().optional(),
  expires_in: z.number().positive().optional(),
});

const smartConfiguration = z.object({ token_endpoint: z.string().url() });

/** Hands out a valid access token, fetching a new one a minute before the old one expires. */
export class SmartTokenSource {
  private token: { value: string; expiresAt: number } | undefined;
  private tokenUrl: string | undefined;

  constructor(
    private readonly settings: SmartSettings,
    private readonly baseUrl: string,
    private readonly now: () => number = Date.now,
  ) {
    this.tokenUrl = settings.tokenUrl;
  }

  /** Tokens fetched so far (tests and the sync report). */
  fetched = 0;

  async get(): Promise<string> {
    if (this.token && this.token.expiresAt - 60_000 > this.now()) return this.token.value;
    const url = this.tokenUrl ?? (await this.discover());
    this.tokenUrl = url;
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      scope: this.settings.scope,
      client_assertion_type: 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer',
      client_assertion: signAssertion(this.settings, url, this.now()),
    });
    let res: Response;
    try {
      res = await fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' },
        body,
      });
    } catch (error) {
      throw new FhirSyncError(`token endpoint ${url} unreachable: ${(error as Error).message}`, {
        retry: true,
      });
    }
    const text = await res.text();
    if (res.status === 400 || res.status === 401 || res.status === 403) {
      // RFC 6749 §5.2: { error, error_description }
      let reason = text.slice(0, 200);
      try {
        const e = JSON.parse(text) as { error?: string; error_description?: string };
        reason = [e.error, e.error_description].filter(Boolean).join(': ') || reason;
      } catch {
        // not JSON: the text itself is the best we have
      }
      throw new FhirAuthError(`the token endpoint refused our client assertion (${res.status}): ${reason}`);
    }
    if (!res.ok)
      throw new FhirSyncError(`token endpoint answered ${res.status}`, { retry: res.status >= 500 });
    const parsed = tokenResponse.safeParse(JSON.parse(text));
    if (!parsed.success) throw new FhirSyncError('token endpoint answered without an access_token');
    this.fetched++;
    this.token = {
      value: parsed.data.access_token,
      expiresAt: this.now() + (parsed.data.expires_in ?? 300) * 1000,
    };
    return this.token.value;
  }

  /** Drops the token (the server said 401): the next request gets a fresh one. */
  invalidate(): void {
    this.token = undefined;
  }

  private async discover(): Promise<string> {
    const url = `${this.baseUrl}/.well-known/smart-configuration`;
    const res = await fetch(url, { headers: { accept: 'application/json' } }).catch((error: Error) => {
      throw new FhirSyncError(`SMART discovery at ${url} failed: ${error.message}`, { retry: true });
    });
    const parsed = smartConfiguration.safeParse(res.ok ? await res.json() : {});
    if (!parsed.success)
      throw new FhirSyncError(
        `the server publishes no token_endpoint at ${url}; set the token URL on the source`,
      );
    return parsed.data.token_endpoint;
  }
}
