/**
 * Run inside a keyring session by ca-key.test.ts: a real node whose keys are in the OS keychain
 * keeps its CA key there too (meshCaKey 'keychain'), renews its node certificate with it, and moves
 * it back to the store and in again as the setting changes. Prints one JSON line of what it saw.
 */
import { X509Certificate } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import keytar from 'keytar';
import { loadConfig } from '../config/config';
import { createLogger } from '../log/logger';
import { createNode, type VitalMeshNode } from '../node';
import { placeCaKey } from './ca-key';
import { MeshIdentity } from './identity';

const dataDir = join(mkdtempSync(join(tmpdir(), 'vm-ca-keychain-')), 'data');
const start = (meshCaKey: 'store' | 'keychain') =>
  createNode(
    {
      ...loadConfig({ dataDir, keySource: 'keychain', mllpPort: 0 }, {}),
      facilityName: 'North General',
      meshPort: 0,
      meshPullIntervalSeconds: 0,
      meshCaKey,
    },
    { host: 'console', logger: createLogger({ level: 'silent' }) },
  );

/** What the store and the keychain hold for the CA key right now. */
async function where(node: VitalMeshNode) {
  const row = node.store.db
    .prepare(`SELECT key_pem FROM mesh_certificates WHERE kind = 'ca' ORDER BY id DESC LIMIT 1`)
    .get() as { key_pem: string };
  const inKeychain = (await keytar.findCredentials('VitalMesh')).filter((c) =>
    c.account.endsWith('/mesh-ca-key'),
  );
  return {
    status: node.mesh.identity.caKeyStatus(),
    storeHoldsKey: row.key_pem.includes('PRIVATE KEY'),
    storePointer: row.key_pem.startsWith('keychain:') ? row.key_pem : null,
    keychainHoldsKey: inKeychain.some((c) => c.password.includes('PRIVATE KEY')),
    fingerprint: node.mesh.identity.current().ca.fingerprint,
  };
}

const moves = (node: VitalMeshNode) =>
  (
    node.store.db
      .prepare(`SELECT details FROM audit_log WHERE action = 'mesh.ca.key.moved' ORDER BY seq`)
      .all() as {
      details: string;
    }[]
  ).map((r) => (JSON.parse(r.details) as { to: string }).to);

// 1. First start asking for the keychain: the key goes there and never into the store.
let node = await start('keychain');
const first = await where(node);
const created = JSON.parse(
  (
    node.store.db.prepare(`SELECT details FROM audit_log WHERE action = 'mesh.ca.created'`).get() as {
      details: string;
    }
  ).details,
) as { keyLocation: string };
// A renewal signs with the key read from the keychain; the new certificate chains to the CA.
const renewer = new MeshIdentity({
  db: node.store.db,
  facilityName: 'North General',
  hostNames: ['127.0.0.1'],
  audit: (e) => node.access.audit.append(e),
  caKey: await placeCaKey({ wanted: 'keychain', keySource: 'keychain', dataDir }),
  renewBeforeDays: 1000,
});
const before = node.mesh.identity.current().node.fingerprint;
const renewed = await renewer.ensure();
const renewal = {
  newCertificate: renewed.node.fingerprint !== before,
  chainsToCa: new X509Certificate(renewed.node.certPem).verify(
    new X509Certificate(renewed.ca.certPem).publicKey,
  ),
};
await node.close();

// 2. The setting back to the store: the key moves back, the keychain entry goes.
node = await start('store');
const back = await where(node);
await node.close();

// 3. And to the keychain again: the same CA (same fingerprint), its key moved in.
node = await start('keychain');
const again = await where(node);
const audited = moves(node);
await node.close();

process.stdout.write(JSON.stringify({ first, created, renewal, back, again, audited }) + '\n');
