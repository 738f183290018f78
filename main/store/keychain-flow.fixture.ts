/**
 * Run inside a keyring session by keychain.test.ts: first start, reopen, rotate, with the key only
 * ever in the OS keychain. Prints one JSON line of what it saw.
 */
import { mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createKeySource } from './key-source';
import { rotateDatabaseKey } from './maintenance';
import { openStore } from './store';

const dataDir = join(mkdtempSync(join(tmpdir(), 'vm-keychain-')), 'data');
const keys = await createKeySource({ keySource: 'keychain', dataDir });
const first = await openStore(dataDir, keys);
first.db.prepare(`INSERT INTO node_meta (key, value) VALUES ('marker', 'kept')`).run();
first.close();
const reopened = await openStore(dataDir, await createKeySource({ keySource: 'keychain', dataDir }));
const before = reopened.db.prepare(`SELECT value FROM node_meta WHERE key='marker'`).get() as {
  value: string;
};
reopened.close();
const oldKey = await keys.load('database', { create: false });
await rotateDatabaseKey(dataDir, keys);
const newKey = await keys.load('database', { create: false });
const afterRotation = await openStore(dataDir, keys);
const after = afterRotation.db.prepare(`SELECT value FROM node_meta WHERE key='marker'`).get() as {
  value: string;
};
afterRotation.close();
const otherNode = await createKeySource({ keySource: 'keychain', dataDir: `${dataDir}-other` });
const otherKey = await otherNode.load('database', { create: true });
process.stdout.write(
  JSON.stringify({
    before: before.value,
    after: after.value,
    rotated: !oldKey.equals(newKey),
    separateNodes: !otherKey.equals(newKey),
    filesInDataDir: readdirSync(dataDir).sort(),
    pendingLeft: (await keys.pending('database')) !== undefined,
  }) + '\n',
);
