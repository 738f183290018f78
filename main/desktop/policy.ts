/**
 * What the desktop window may load, open and be: plain values and predicates with no electron
 * import, so they are unit-tested in Node and main.ts only wires them to Electron's hooks.
 */

/**
 * The renderer's Content Security Policy: no inline or remote script, no plugins, no framing, no
 * `<base>` rewriting; images may be data: URLs (the trend charts render to canvas → data:).
 */
export const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "object-src 'none'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

/** Schemes a link in the app may hand to the OS browser. Never file:, never a custom handler. */
export const EXTERNAL_SCHEMES: ReadonlySet<string> = new Set(['https:']);

/** Whether `url` may be opened in the system browser (shell.openExternal). */
export function isAllowedExternalUrl(url: string): boolean {
  try {
    const parsed = new URL(url);
    // Credentials in a link are a classic disguise (https://trusted@evil.example).
    return EXTERNAL_SCHEMES.has(parsed.protocol) && parsed.username === '' && parsed.password === '';
  } catch {
    return false;
  }
}

/** Hosts a development renderer server may run on: this machine only. */
const LOOPBACK_HOSTS: ReadonlySet<string> = new Set(['localhost', '127.0.0.1', '[::1]']);

/**
 * The Vite dev server URL from `VITALMESH_DEV_URL`, honoured only in an unpackaged app and only
 * on loopback over http(s); a packaged app always loads its own files.
 */
export function devServerUrl(env: NodeJS.ProcessEnv, packaged: boolean): string | undefined {
  const raw = env.VITALMESH_DEV_URL;
  if (packaged || raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    throw new Error(`VITALMESH_DEV_URL=${JSON.stringify(raw)} is not a URL`);
  }
  if (!['http:', 'https:'].includes(parsed.protocol) || !LOOPBACK_HOSTS.has(parsed.hostname)) {
    throw new Error(
      `VITALMESH_DEV_URL must be an http(s) URL on this machine (localhost), not ${parsed.origin}`,
    );
  }
  return parsed.href;
}

/**
 * Adds the CSP to a response's headers, replacing any the server sent (whatever its letter case),
 * so a dev server or a later change can't loosen it.
 */
export function withContentSecurityPolicy(
  headers: Record<string, string[]> | undefined,
): Record<string, string[]> {
  const out: Record<string, string[]> = {};
  for (const [name, value] of Object.entries(headers ?? {})) {
    if (name.toLowerCase() !== 'content-security-policy') out[name] = value;
  }
  out['Content-Security-Policy'] = [CONTENT_SECURITY_POLICY];
  return out;
}
