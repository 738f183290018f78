import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { hashPassword } from '../auth/password';
import { startConsole, type ConsoleServer } from '../console/server';
import { storePatient, storeSeries, syntheticWard } from '../deid/test-fixtures';
import { createLogger } from '../log/logger';
import type { VitalMeshNode } from '../node';
import { startTestNode } from '../testing/test-node';
import { progressLine, runExport } from './export';

/** `vitalmesh export` against a real node's console over HTTP on loopback. */
let node: VitalMeshNode;
let stop: () => Promise<void>;
let server: ConsoleServer;
const password = 'cli-export-password';

beforeAll(async () => {
  ({ node, cleanup: stop } = await startTestNode({ mllpEnabled: false }));
  node.access.users.add({
    username: 'res.cli',
    displayName: 'R',
    role: 'researcher',
    passwordHash: await hashPassword(password),
  });
  node.access.users.add({
    username: 'it.cli',
    displayName: 'I',
    role: 'it_admin',
    passwordHash: await hashPassword(password),
  });
  for (const p of syntheticWard(10))
    storeSeries(
      node.store.db,
      storePatient(node.store.db, p),
      'spo2',
      Date.UTC(2026, 1, 1),
      30,
      10_000,
      (i) => 94 + (i % 5),
    );
  server = await startConsole({
    api: node.api,
    logger: createLogger({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    liveness: () => ({ status: 'ok', version: 'test' }),
  });
});
afterAll(async () => {
  await server.close();
  await stop();
});

describe('vitalmesh export', () => {
  it('exports as the researcher, prints progress, and ends with the files and the manifest hash', async () => {
    const lines: string[] = [];
    const status = await runExport(
      { url: server.url, user: 'res.cli', product: 'vitals-1min', profile: 'safe-harbor', format: 'parquet' },
      password,
      { progress: (l) => lines.push(l), pollMs: 20 },
    );
    expect(status.state).toBe('done');
    expect(lines.at(-1)).toMatch(/\[#{30}\] 100 % .* done$/);
    const manifest = status.files!.find((f) => f.kind === 'manifest')!;
    expect(existsSync(manifest.path)).toBe(true);
    expect((JSON.parse(readFileSync(manifest.path, 'utf8')) as { product: string }).product).toBe(
      'vitals-1min',
    );
  });

  it('is refused for a role that may not export, and for a wrong password, with the reason', async () => {
    await expect(
      runExport(
        { url: server.url, user: 'it.cli', product: 'vitals-raw', profile: 'safe-harbor', format: 'csv' },
        password,
      ),
    ).rejects.toThrow(/exports.create: forbidden/);
    await expect(
      runExport(
        { url: server.url, user: 'res.cli', product: 'vitals-raw', profile: 'safe-harbor', format: 'csv' },
        'wrong-password-123',
      ),
    ).rejects.toThrow(/auth.login/);
  });

  it('draws its bar', () => {
    expect(progressLine({ written: 50, total: 200, progress: 0.25, state: 'running' })).toBe(
      `[${'#'.repeat(8)}${'.'.repeat(22)}]  25 % 50/200 rows running`,
    );
  });
});
