import { existsSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join, relative } from 'node:path';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MESH_PROTO } from './proto';

/**
 * The .proto is read at run time, not bundled. From a checkout MESH_PROTO is the file beside
 * proto.ts; in a bundle (scripts/build-main.mjs) import.meta.dirname becomes the source's path
 * relative to the bundle, so the packaged app must hold main/mesh/mesh.proto at the same place
 * relative to dist/ — which electron-builder's own file matcher, fed electron-builder.yml, decides.
 */
const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { FileMatcher } = require('app-builder-lib/out/fileMatcher') as {
  FileMatcher: new (
    from: string,
    to: string,
    expand: (s: string) => string,
    patterns: string[],
  ) => { createFilter(): (file: string, stat: ReturnType<typeof statSync>) => boolean };
};

describe('mesh.proto at run time', () => {
  it('is found beside proto.ts in a checkout', () => {
    expect(relative(root, MESH_PROTO)).toBe(join('main', 'mesh', 'mesh.proto'));
    expect(existsSync(MESH_PROTO)).toBe(true);
  });

  it('is packed into the app at the path the bundles look it up', () => {
    const config = yaml.load(readFileSync(join(root, 'electron-builder.yml'), 'utf8')) as { files: string[] };
    const packed = new FileMatcher(root, join(root, 'release', 'app'), (s) => s, config.files).createFilter();
    const copied = (path: string) => packed(join(root, path), statSync(join(root, path)));
    // The folders are walked into, and the file itself is copied…
    for (const path of ['main', 'main/mesh', 'main/mesh/mesh.proto']) expect(copied(path), path).toBe(true);
    // …but not the sources around it (the bundle carries the code), and the bundle is there.
    expect(copied('main/mesh/proto.ts')).toBe(false);
    expect(copied('package.json')).toBe(true);
  });
});
