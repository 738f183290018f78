import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { APP_INDEX_URL, appFileFor, serveAppRequest } from './app-protocol';
import { CONTENT_SECURITY_POLICY } from './policy';

describe('app protocol', () => {
  let base: string;
  let dir: string;

  beforeAll(() => {
    base = mkdtempSync(join(tmpdir(), 'vm-app-protocol-'));
    dir = join(base, 'renderer');
    mkdirSync(join(dir, 'assets'), { recursive: true });
    writeFileSync(join(dir, 'index.html'), '<!doctype html><title>VitalMesh</title>');
    writeFileSync(join(dir, 'assets', 'index-abc.js'), 'export const x = 1;');
    writeFileSync(join(dir, 'assets', 'index-abc.css'), 'body{}');
    writeFileSync(join(base, 'secret.txt'), 'not for the page');
  });

  afterAll(() => rmSync(base, { recursive: true, force: true }));

  it('maps app URLs to files under the renderer folder, routes to index.html', () => {
    expect(appFileFor(dir, APP_INDEX_URL)).toBe(join(dir, 'index.html'));
    expect(appFileFor(dir, 'vitalmesh://app/')).toBe(join(dir, 'index.html'));
    expect(appFileFor(dir, 'vitalmesh://app/vitals/bed-3')).toBe(join(dir, 'index.html'));
    expect(appFileFor(dir, 'vitalmesh://app/assets/index-abc.js?v=1#x')).toBe(
      join(dir, 'assets', 'index-abc.js'),
    );
  });

  it('refuses other schemes and hosts, escapes and NUL bytes', () => {
    for (const url of [
      'file:///etc/passwd',
      'https://app/index.html',
      'vitalmesh://other/index.html',
      'vitalmesh://app/%2e%2e/secret.txt',
      'vitalmesh://app/assets/%2e%2e%2f%2e%2e%2fsecret.txt',
      'vitalmesh://app/..%5csecret.txt',
      'vitalmesh://app/index.html%00.png',
      'vitalmesh://app/%E0%A4%A',
      'not a url',
    ]) {
      const file = appFileFor(dir, url);
      expect(file === undefined || file.startsWith(dir), url).toBe(true);
    }
    // The URL parser already drops a plain or encoded `..` segment; an encoded slash is caught here.
    expect(appFileFor(dir, 'vitalmesh://app/%2e%2e/secret.txt')).toBe(join(dir, 'secret.txt'));
    expect(appFileFor(dir, 'vitalmesh://app/assets/..%2f..%2fsecret.txt')).toBeUndefined();
    expect(appFileFor(dir, 'vitalmesh://app/index.html%00.png')).toBeUndefined();
  });

  it('serves files with their type and the security headers', async () => {
    const js = await serveAppRequest(dir, { url: 'vitalmesh://app/assets/index-abc.js', method: 'GET' });
    expect(js.status).toBe(200);
    expect(js.headers.get('content-type')).toBe('text/javascript; charset=utf-8');
    expect(js.headers.get('content-security-policy')).toBe(CONTENT_SECURITY_POLICY);
    expect(js.headers.get('x-content-type-options')).toBe('nosniff');
    expect(await js.text()).toBe('export const x = 1;');
    const page = await serveAppRequest(dir, { url: APP_INDEX_URL, method: 'GET' });
    expect(page.headers.get('content-type')).toBe('text/html; charset=utf-8');
    expect(await page.text()).toContain('<title>VitalMesh</title>');
  });

  it('answers 404 for what the app does not ship and 405 for writes', async () => {
    const status = async (url: string, method = 'GET') =>
      (await serveAppRequest(dir, { url, method })).status;
    expect(await status('vitalmesh://app/assets/missing.js')).toBe(404);
    expect(await status('vitalmesh://app/assets.dir')).toBe(404);
    expect(await status('vitalmesh://app/%2e%2e/secret.txt')).toBe(404);
    expect(await status('vitalmesh://app/assets/..%2f..%2fsecret.txt')).toBe(404);
    expect(await status(APP_INDEX_URL, 'POST')).toBe(405);
    const head = await serveAppRequest(dir, { url: APP_INDEX_URL, method: 'HEAD' });
    expect(head.status).toBe(200);
    expect(await head.text()).toBe('');
  });
});
