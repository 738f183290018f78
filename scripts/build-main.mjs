#!/usr/bin/env node
// Bundles the node-side entry points with esbuild:
//   main/desktop/main.ts     → dist/desktop/main.cjs     (Electron main, CommonJS)
//   main/desktop/preload.cts → dist/desktop/preload.cjs  (sandboxed preload: one self-contained file)
//   main/cli-entry.ts        → dist/cli.mjs              (the `vitalmesh` command, ESM; bin/vitalmesh runs it)
//   main/ingest/hl7/decide-worker.ts → dist/decide-worker.cjs and dist/desktop/decide-worker.cjs
//                                      (the HL7 decide thread, beside each bundle that starts it)
// A missing entry point is skipped with a warning, so the script works while parts are being written.
/* global console, process -- eslint.config.js gives .mjs files no Node globals */
import { existsSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { dirname, join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(await readFile(join(root, 'package.json'), 'utf8'));

/**
 * Native modules (loaded with their .node file at run time, rebuilt for Electron by
 * electron-builder and unpacked from the asar) and optional ones stay real `require`s.
 */
const NATIVE_OR_OPTIONAL = [
  'electron',
  'better-sqlite3-multiple-ciphers',
  'keytar',
  ...Object.keys(pkg.optionalDependencies ?? {}),
  // Optional peers some libraries probe for with a guarded require.
  'bufferutil',
  'utf-8-validate',
  'pino-pretty',
];

/**
 * Sources in main/ find files beside them with `import.meta.url` / `import.meta.dirname` (the
 * version reads ../package.json, the console finds dist/renderer). In a bundle those would point
 * at the bundle, and in CommonJS they don't exist at all; so each use is rewritten to the path the
 * source file has relative to the bundle, which keeps every relative lookup working unchanged.
 */
function sourceLocation(outfile) {
  return {
    name: 'source-location',
    setup(b) {
      b.onLoad({ filter: /\.[cm]?ts$/ }, async (args) => {
        if (args.path.includes(`${sep}node_modules${sep}`)) return undefined;
        const text = await readFile(args.path, 'utf8');
        if (!text.includes('import.meta.')) return undefined;
        const rel = relative(dirname(outfile), args.path).split(sep).join('/');
        const file = `require("node:path").join(__vmBundleDir, ${JSON.stringify(rel)})`;
        const contents = text
          .replace(/\bimport\.meta\.filename\b/g, file)
          .replace(/\bimport\.meta\.dirname\b/g, `require("node:path").dirname(${file})`)
          .replace(/\bimport\.meta\.url\b/g, `require("node:url").pathToFileURL(${file}).href`);
        return { contents, loader: 'ts', resolveDir: dirname(args.path) };
      });
    },
  };
}

const cjsBanner = 'const __vmBundleDir = __dirname;';
// ESM bundles get a real `require` for the rewritten lookups and for CommonJS code inside deps.
const esmBanner = [
  'import { createRequire as __vmCreateRequire } from "node:module";',
  'import { dirname as __vmDirname } from "node:path";',
  'import { fileURLToPath as __vmFileURLToPath } from "node:url";',
  'const require = __vmCreateRequire(import.meta.url);',
  'const __vmBundleDir = __vmDirname(__vmFileURLToPath(import.meta.url));',
].join('\n');

const targets = [
  {
    entry: 'main/desktop/main.ts',
    outfile: 'dist/desktop/main.cjs',
    platform: 'node',
    format: 'cjs',
    // Electron 45 runs Node 22.
    target: 'node22',
    external: NATIVE_OR_OPTIONAL,
    banner: cjsBanner,
  },
  {
    entry: 'main/desktop/preload.cts',
    outfile: 'dist/desktop/preload.cjs',
    // A sandboxed preload has browser globals and a require that knows only `electron`.
    platform: 'browser',
    format: 'cjs',
    // Electron 45 is Chromium 140.
    target: 'chrome140',
    external: ['electron'],
    // It carries the contract's schemas (zod) and runs at every window load: keep it small.
    minify: true,
  },
  {
    // The HL7 decide worker (main/ingest/hl7/decide-pool.ts), beside the bundle that starts it.
    entry: 'main/ingest/hl7/decide-worker.ts',
    outfile: 'dist/desktop/decide-worker.cjs',
    platform: 'node',
    format: 'cjs',
    target: 'node22',
    external: NATIVE_OR_OPTIONAL,
    banner: cjsBanner,
  },
  {
    entry: 'main/ingest/hl7/decide-worker.ts',
    outfile: 'dist/decide-worker.cjs',
    platform: 'node',
    format: 'cjs',
    target: 'node20',
    packages: 'external',
    banner: cjsBanner,
  },
  {
    entry: 'main/cli-entry.ts',
    outfile: 'dist/cli.mjs',
    platform: 'node',
    format: 'esm',
    target: 'node20',
    // The command runs where `npm install` put node_modules; dependencies load from there.
    packages: 'external',
    banner: esmBanner,
  },
];

let built = 0;
for (const { entry, outfile, banner, ...options } of targets) {
  if (!existsSync(join(root, entry))) {
    console.warn(`build-main: ${entry} does not exist yet; skipping ${outfile}`);
    continue;
  }
  const absOut = join(root, outfile);
  const result = await build({
    absWorkingDir: root,
    entryPoints: [entry],
    outfile: absOut,
    bundle: true,
    sourcemap: 'linked',
    legalComments: 'linked',
    logLevel: 'warning',
    banner: banner ? { js: banner } : undefined,
    plugins: banner ? [sourceLocation(absOut)] : [],
    metafile: true,
    ...options,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((sum, o) => sum + o.bytes, 0);
  console.log(`build-main: ${entry} → ${outfile} (${Math.round(bytes / 1024)} KiB with maps)`);
  built += 1;
}
if (built === 0) {
  console.error('build-main: no entry point found');
  process.exit(1);
}
