import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../store/store';
import { createKeySource } from '../store/key-source';
import { loadConfig } from '../config/config';
import { startFhirTestServer, type FhirTestServer } from '../ingest/fhir/testing/fhir-test-server';
import { seedCorpus } from '../ingest/fhir/testing/sync-harness';
import { tempDir } from '../testing/temp-dir';
import { acquireNodeLock } from '../store/node-lock';
import { initKeyFile } from './keys';
import { fhirAdd, fhirList, fhirSync } from './fhir';

/** `vitalmesh fhir add | sync | list` on a real data dir against the loopback FHIR server. */
let server: FhirTestServer;
let flags: { dataDir: string; keySource: 'file'; keyFile: string };
let done: () => void;

beforeAll(async () => {
  const { dir, cleanup } = tempDir();
  done = cleanup;
  const keyFile = join(dir, 'node.key');
  initKeyFile(keyFile);
  flags = { dataDir: join(dir, 'data'), keySource: 'file', keyFile };
  server = await startFhirTestServer();
  await seedCorpus(server);
});
afterAll(async () => {
  await server.close();
  done();
});

describe('vitalmesh fhir', () => {
  it('adds a basic-auth source (password from the prompt), syncs it with progress lines, lists it masked, audits both', async () => {
    const added = await fhirAdd(
      flags,
      {
        name: 'EHR',
        baseUrl: server.baseUrl,
        auth: 'basic',
        username: 'vm',
        interval: 'off',
        pageSize: '20',
      },
      () => Promise.resolve('s3cret-password'),
    );
    expect(added).toBe(
      `added FHIR source 1 "EHR" (${server.baseUrl}, auth basic: set (password hidden)); run it with: vitalmesh fhir sync 1`,
    );
    const lines: string[] = [];
    const { ok, text } = await fhirSync(flags, 'EHR', (line) => lines.push(line));
    expect(ok).toBe(true);
    expect(text).toMatch(
      /^synced EHR in [\d.]+ s: 174 fetched, 167 stored, 5 unchanged, 2 skipped, 0 quarantined, 0 retracted, 12 observations, \d+ pages$/,
    );
    expect(lines[0]).toMatch(/^\[-{20}\] 0\/7 starting/);
    expect(lines.at(-1)).toMatch(/^\[#{20}\] 7\/7 finished \(ok\): 174 fetched/);
    expect(lines.some((l) => /^\[#+-+\] \d\/7 Patient \(23 on the server\): /.test(l))).toBe(true);
    const basic = `Basic ${Buffer.from('vm:s3cret-password').toString('base64')}`;
    expect(server.requests.every((r) => r.headers.authorization === basic)).toBe(true);
    const list = await fhirList(flags);
    expect(list).toMatch(/^1\tEHR\thttp:\/\/127\.0\.0\.1:\d+\/fhir\/R4\tbasic\tok\tlast run 20/);
    expect(list).not.toContain('s3cret');

    const config = loadConfig(flags);
    const store = await openStore(config.dataDir, await createKeySource(config));
    const audit = store.db
      .prepare(
        "SELECT actor, host, action, target, outcome FROM audit_log WHERE action LIKE 'fhir.%' ORDER BY seq",
      )
      .all();
    store.close();
    expect(audit).toEqual([
      expect.objectContaining({
        host: 'cli',
        action: 'fhir.sources.add',
        target: 'fhir-source:1',
        outcome: 'ok',
      }),
      expect.objectContaining({ host: 'cli', action: 'fhir.sync', target: 'fhir-source:1', outcome: 'ok' }),
    ]);
  });

  it('refuses while a node holds the data dir, and names an unknown source', async () => {
    const release = acquireNodeLock(flags.dataDir, 'running the node');
    await expect(fhirSync(flags, 'EHR', () => {})).rejects.toThrow(
      /in use by process \d+ \(running the node\); stop it before a FHIR sync from the command line \(or use the Sources screen\)/,
    );
    release();
    await expect(fhirSync(flags, 'nope', () => {})).rejects.toThrow(
      'there is no FHIR source "nope"; sources: 1 EHR',
    );
  });
});
