import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../config/config';
import { runInKeyringSession } from '../testing/keyring-session';
import { KEYCHAIN_MARKER, placeCaKey } from './ca-key';
import { MeshIdentity } from './identity';
import { auditOf, startMeshNode, type MeshTestNode } from './test-mesh';

describe('the CA key in the OS keychain (real gnome-keyring over D-Bus)', () => {
  it('keeps it there from first start, renews with it, and moves it as the setting changes', () => {
    const script = fileURLToPath(new URL('./ca-keychain.fixture.ts', import.meta.url));
    const { status, stdout, stderr } = runInKeyringSession(script);
    expect(status, stderr).toBe(0);
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, Record<string, unknown>>;
    expect(seen.first).toMatchObject({
      status: { location: 'keychain' },
      storeHoldsKey: false,
      storePointer: expect.stringMatching(
        /^keychain:OS keychain \(service VitalMesh, account [0-9a-f]{16}\/mesh-ca-key\)$/,
      ) as unknown,
      keychainHoldsKey: true,
    });
    expect(seen.first!.status).not.toHaveProperty('note'); // JSON drops an undefined note
    expect(seen.created).toMatchObject({ keyLocation: 'keychain' });
    expect(seen.renewal).toEqual({ newCertificate: true, chainsToCa: true });
    expect(seen.back).toMatchObject({
      status: { location: 'store' },
      storeHoldsKey: true,
      keychainHoldsKey: false,
    });
    expect(seen.again).toMatchObject({
      status: { location: 'keychain' },
      storeHoldsKey: false,
      keychainHoldsKey: true,
    });
    expect(seen.back!.fingerprint).toBe(seen.first!.fingerprint);
    expect(seen.again!.fingerprint).toBe(seen.first!.fingerprint);
    expect(seen.audited).toEqual(['store', 'keychain']);
  });
});

describe('the CA key setting', () => {
  it('comes from the flag, VITALMESH_MESH_CA_KEY or config.json, and a wrong value names the variable', () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'vm-ca-key-config-'));
    try {
      expect(loadConfig({ dataDir }, {}).meshCaKey).toBeUndefined();
      expect(loadConfig({ dataDir }, { VITALMESH_MESH_CA_KEY: 'keychain' }).meshCaKey).toBe('keychain');
      expect(
        loadConfig({ dataDir, meshCaKey: 'store' }, { VITALMESH_MESH_CA_KEY: 'keychain' }).meshCaKey,
      ).toBe('store');
      writeFileSync(join(dataDir, 'config.json'), JSON.stringify({ meshCaKey: 'keychain' }));
      expect(loadConfig({ dataDir }, {}).meshCaKey).toBe('keychain');
      expect(() => loadConfig({ dataDir }, { VITALMESH_MESH_CA_KEY: 'vault' })).toThrow(
        /VITALMESH_MESH_CA_KEY="vault" is not valid/,
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  });
});

describe('the CA key when the keychain is not available', () => {
  let node: MeshTestNode;
  beforeAll(async () => {
    node = await startMeshNode('North General', { meshCaKey: 'keychain' });
  }, 60_000);
  afterAll(async () => {
    await node?.cleanup();
  });

  it('stays in the encrypted store on a node whose keys are not in the keychain, and says why', () => {
    const status = node.node.mesh.identity.caKeyStatus();
    expect(status.location).toBe('store');
    expect(status.note).toMatch(
      /CA key stays in the encrypted store: .*--key-source keychain.*this node's is file/,
    );
    const row = node.node.store.db
      .prepare(`SELECT key_pem FROM mesh_certificates WHERE kind = 'ca'`)
      .get() as { key_pem: string };
    expect(row.key_pem).toContain('PRIVATE KEY');
  });

  it('says clearly when the keychain does not answer (no Secret Service on the bus)', async () => {
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/bus';
    try {
      const placement = await placeCaKey({
        wanted: 'keychain',
        keySource: 'keychain',
        dataDir: '/tmp/vm-no-bus',
      });
      expect(placement.keychain).toBeUndefined();
      expect(placement.unavailable).toMatch(
        /CA key stays in the encrypted store: the OS keychain did not answer/,
      );
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
    // Not asked for: no note, whatever the keychain.
    expect(
      (await placeCaKey({ wanted: undefined, keySource: 'file', dataDir: '/tmp/x' })).unavailable,
    ).toBeUndefined();
  });

  it('keeps a still-valid node certificate when the CA key in the keychain is out of reach, and says so', async () => {
    const db = node.node.store.db;
    const row = db.prepare(`SELECT id, key_pem FROM mesh_certificates WHERE kind = 'ca'`).get() as {
      id: number;
      key_pem: string;
    };
    // As if the key had been moved to a keychain this node (keys in a file) can't reach.
    db.prepare(`UPDATE mesh_certificates SET key_pem = ? WHERE id = ?`).run(
      `${KEYCHAIN_MARKER}OS keychain (service VitalMesh, account 0123456789abcdef/mesh-ca-key)`,
      row.id,
    );
    try {
      const current = node.node.mesh.identity.current().node;
      const due = new MeshIdentity({
        db,
        facilityName: 'North General',
        hostNames: ['127.0.0.1'],
        audit: (e) => node.node.access.audit.append(e),
        renewBeforeDays: 100, // the certificate is due for renewal
      });
      const kept = await due.ensure();
      expect(kept.node.fingerprint).toBe(current.fingerprint);
      expect(due.caKeyStatus()).toMatchObject({ location: 'keychain' });
      expect(due.caKeyStatus().note).toMatch(
        /CA's private key is kept in the OS keychain .* which this node can't reach, so no node certificate can be renewed \(the current one expires .*\)\. Start the node with --key-source keychain/,
      );
      expect(auditOf(node.node, 'mesh.certificate.renewed').at(-1)).toMatchObject({ outcome: 'failed' });
    } finally {
      db.prepare(`UPDATE mesh_certificates SET key_pem = ? WHERE id = ?`).run(row.key_pem, row.id);
    }
  });
});
