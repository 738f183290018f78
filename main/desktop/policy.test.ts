import { describe, expect, it } from 'vitest';
import {
  CONTENT_SECURITY_POLICY,
  devServerUrl,
  isAllowedExternalUrl,
  withContentSecurityPolicy,
} from './policy';

describe('desktop policy', () => {
  it('opens only plain https links outside the app', () => {
    expect(isAllowedExternalUrl('https://www.hl7.org/fhir/')).toBe(true);
    for (const url of [
      'http://example.org/',
      'file:///etc/passwd',
      'javascript:alert(1)',
      'smb://host/share',
      'ms-settings:privacy',
      'https://trusted.example@evil.example/',
      'not a url',
    ]) {
      expect(isAllowedExternalUrl(url), url).toBe(false);
    }
  });

  it('has a CSP without inline script, plugins or framing', () => {
    expect(CONTENT_SECURITY_POLICY).toContain("script-src 'self'");
    expect(CONTENT_SECURITY_POLICY).not.toContain('unsafe-');
    expect(CONTENT_SECURITY_POLICY).toContain("object-src 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("frame-ancestors 'none'");
    expect(CONTENT_SECURITY_POLICY).toContain("base-uri 'none'");
  });

  it('replaces whatever CSP a response carried', () => {
    const headers = withContentSecurityPolicy({
      'content-security-policy': ["script-src 'unsafe-inline'"],
      'Content-Type': ['text/html'],
    });
    expect(headers).toEqual({
      'Content-Type': ['text/html'],
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
    expect(withContentSecurityPolicy(undefined)).toEqual({
      'Content-Security-Policy': [CONTENT_SECURITY_POLICY],
    });
  });

  it('takes a dev server URL only unpackaged and on loopback', () => {
    const env = { VITALMESH_DEV_URL: 'http://127.0.0.1:5173' };
    expect(devServerUrl(env, false)).toBe('http://127.0.0.1:5173/');
    expect(devServerUrl(env, true)).toBeUndefined();
    expect(devServerUrl({}, false)).toBeUndefined();
    expect(() => devServerUrl({ VITALMESH_DEV_URL: 'http://10.0.0.5:5173' }, false)).toThrow(/this machine/);
    expect(() => devServerUrl({ VITALMESH_DEV_URL: 'file:///x' }, false)).toThrow(/this machine/);
    expect(() => devServerUrl({ VITALMESH_DEV_URL: 'nope' }, false)).toThrow(/not a URL/);
  });
});
