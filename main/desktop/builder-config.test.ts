import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

/**
 * electron-builder.yml is only used on a release machine (packaging downloads Electron), so it is
 * checked here with electron-builder's own parser and validator, which need no download.
 */
const root = join(import.meta.dirname, '..', '..');
const require = createRequire(import.meta.url);
const yaml = require('js-yaml') as { load(text: string): unknown };
const { validateConfiguration } = require('app-builder-lib/out/util/config/config') as {
  validateConfiguration: (
    config: unknown,
    debug: { isEnabled: boolean; add(key: string, value: unknown): void },
  ) => Promise<void>;
};
const scheme = require('app-builder-lib/scheme.json') as {
  definitions: { FuseOptionsV1: { properties: Record<string, unknown> } };
};

const text = readFileSync(join(root, 'electron-builder.yml'), 'utf8');
const config = yaml.load(text) as {
  appId: string;
  productName: string;
  files: string[];
  asarUnpack: string[];
  npmRebuild: boolean;
  directories: { output: string; buildResources: string };
  electronFuses: Record<string, unknown>;
  linux: { target: string[]; icon: string };
  mac: { hardenedRuntime: boolean; category: string };
  win: { target: string[] };
};
const noDebug = { isEnabled: false, add: () => undefined };

/** Every fuse @electron/fuses knows; `resetAdHocDarwinSignature` is a signing option, not a fuse. */
const FUSES = Object.keys(scheme.definitions.FuseOptionsV1.properties).filter(
  (k) => k !== 'resetAdHocDarwinSignature',
);

describe('electron-builder.yml', () => {
  it("passes electron-builder's own configuration check", async () => {
    await expect(validateConfiguration(config, noDebug)).resolves.toBeUndefined();
  });

  it('is checked for real: a misspelt fuse is refused', async () => {
    const typo = { ...config, electronFuses: { ...config.electronFuses, runAsNodee: false } };
    await expect(validateConfiguration(typo, noDebug)).rejects.toThrow(/electronFuses/);
  });

  it('writes out every fuse, hardened, each with a reason', () => {
    expect(FUSES).toHaveLength(8);
    expect(Object.keys(config.electronFuses).sort()).toEqual([...FUSES].sort());
    expect(config.electronFuses).toEqual({
      runAsNode: false,
      enableCookieEncryption: true,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      loadBrowserProcessSpecificV8Snapshot: false,
      grantFileProtocolExtraPrivileges: false,
    });
    const lines = text.split('\n');
    for (const fuse of FUSES) {
      const at = lines.findIndex((line) => line.trim().startsWith(`${fuse}:`));
      expect(lines[at - 1]?.trim().startsWith('#'), `${fuse} has a comment line above it`).toBe(true);
    }
  });

  it('packs what the app loads at run time and unpacks native code', () => {
    const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { main: string };
    expect(pkg.main).toBe('dist/desktop/main.cjs');
    expect(config.files).toContain('dist/**');
    expect(config.files).toContain('package.json');
    for (const icon of ['resources/tray.png', 'resources/tray@2x.png', 'resources/icon.png']) {
      expect(config.files).toContain(icon);
      expect(existsSync(join(root, icon)), icon).toBe(true);
    }
    expect(existsSync(join(root, config.linux.icon, '512x512.png'))).toBe(true);
    expect(config.asarUnpack).toEqual(
      expect.arrayContaining([
        '**/node_modules/better-sqlite3-multiple-ciphers/**',
        '**/node_modules/keytar/**',
        '**/*.node',
      ]),
    );
    expect(config.npmRebuild).toBe(true);
  });

  it('names the app and its targets', () => {
    expect(config.appId).toBe('org.vitalmesh.node');
    expect(config.productName).toBe('VitalMesh');
    expect(config.directories).toEqual({ output: 'release', buildResources: 'resources' });
    expect(config.linux.target).toEqual(['AppImage', 'deb']);
    expect(config.win.target).toEqual(['nsis']);
    expect(config.mac).toMatchObject({ hardenedRuntime: true, category: 'public.app-category.medical' });
  });
});
