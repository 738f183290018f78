import { fileURLToPath } from 'node:url';
import react from '@vitejs/plugin-react';
import { defineConfig, type Plugin } from 'vite';

/** Where the headless console listens in development (`npm start`). */
const CONSOLE_URL = 'http://127.0.0.1:8470';

/**
 * The policy the built page carries itself, so it also holds where no host sets a header (the
 * Electron window loading from file://). Hosts may send a stricter one; browsers apply both.
 * `frame-ancestors` only works as a header, so it is left to the hosts.
 */
export const RENDERER_CSP = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self'",
  "connect-src 'self' ws: wss:",
  "img-src 'self' data:",
  "font-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'self'",
].join('; ');

/** Only the build gets the meta policy: the dev server's hot reload needs an inline script. */
const contentSecurityPolicy = (): Plugin => ({
  name: 'vitalmesh-csp',
  apply: 'build',
  transformIndexHtml: () => [
    {
      tag: 'meta',
      attrs: { 'http-equiv': 'Content-Security-Policy', content: RENDERER_CSP },
      injectTo: 'head-prepend',
    },
  ],
});

export default defineConfig({
  root: fileURLToPath(new URL('./renderer', import.meta.url)),
  // Relative asset paths, so the same build loads from the console and from file:// in Electron.
  base: './',
  plugins: [react(), contentSecurityPolicy()],
  build: {
    outDir: fileURLToPath(new URL('./dist/renderer', import.meta.url)),
    emptyOutDir: true,
    // Chromium (Electron and any supported browser) has modulepreload; the polyfill is just code.
    modulePreload: { polyfill: false },
    // Never inline assets as data: URLs into scripts or styles; keep them files under 'self'.
    assetsInlineLimit: 0,
    rollupOptions: {
      onwarn(warning, warn) {
        // zod's sources carry comments Rollup can't place; harmless, and not ours to fix.
        if (warning.code === 'INVALID_ANNOTATION' && warning.id?.includes('/node_modules/zod/')) return;
        warn(warning);
      },
    },
  },
  server: {
    host: '127.0.0.1',
    strictPort: true,
    proxy: {
      '/api': { target: CONSOLE_URL, ws: true },
    },
  },
});
