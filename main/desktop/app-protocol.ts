import { readFile } from 'node:fs/promises';
import { extname, resolve, sep } from 'node:path';
import { CONTENT_SECURITY_POLICY } from './policy';

/**
 * The window loads the built renderer from `vitalmesh://app/`, not from file://. With the
 * grantFileProtocolExtraPrivileges fuse off (electron-builder.yml), file:// pages have a null
 * origin and can't load the module scripts Vite emits; a standard, secure custom scheme gives the
 * app a real origin of its own, so `'self'` in the CSP means exactly the app's files.
 * @see https://www.electronjs.org/docs/latest/tutorial/security#18-avoid-usage-of-the-file-protocol-and-prefer-usage-of-custom-protocols
 * No electron import here: main.ts registers the scheme and hands requests to `serveAppRequest`.
 */
export const APP_SCHEME = 'vitalmesh';
export const APP_HOST = 'app';
export const APP_INDEX_URL = `${APP_SCHEME}://${APP_HOST}/index.html`;

const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.map': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff': 'font/woff',
  '.woff2': 'font/woff2',
  '.txt': 'text/plain; charset=utf-8',
};

/**
 * The file under `rendererDir` an app URL names, or undefined for anything else: another scheme
 * or host, a path that escapes the folder (also when percent-encoded), a NUL byte. A path without
 * an extension is a client-side route and gets index.html.
 */
export function appFileFor(rendererDir: string, url: string): string | undefined {
  let parsed: URL;
  let path: string;
  try {
    parsed = new URL(url);
    path = decodeURIComponent(parsed.pathname);
  } catch {
    return undefined;
  }
  if (parsed.protocol !== `${APP_SCHEME}:` || parsed.host !== APP_HOST || path.includes('\0'))
    return undefined;
  const root = resolve(rendererDir);
  const file = resolve(root, `.${path}`);
  if (!file.startsWith(root + sep)) return file === root ? resolve(root, 'index.html') : undefined;
  return extname(file) === '' ? resolve(root, 'index.html') : file;
}

/** The protocol handler's answer: the file with its type and the app's security headers, or an error status. */
export async function serveAppRequest(
  rendererDir: string,
  request: { readonly url: string; readonly method: string },
): Promise<Response> {
  if (request.method !== 'GET' && request.method !== 'HEAD') return new Response(null, { status: 405 });
  const file = appFileFor(rendererDir, request.url);
  if (file === undefined) return new Response(null, { status: 404 });
  let body: Buffer;
  try {
    body = await readFile(file);
  } catch {
    // Missing, a folder, unreadable: the page asked for something the app doesn't ship.
    return new Response(null, { status: 404 });
  }
  return new Response(request.method === 'HEAD' ? null : new Uint8Array(body), {
    status: 200,
    headers: {
      'content-type': CONTENT_TYPES[extname(file).toLowerCase()] ?? 'application/octet-stream',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'cross-origin-opener-policy': 'same-origin',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    },
  });
}
