import { createLogger } from '../log/logger';
import { createNode, type VitalMeshNode } from '../node';
import { join } from 'node:path';
import { initKeyFile } from '../cli/keys';
import { loadConfig, type NodeConfig } from '../config/config';
import { planRelease } from '../deid/pipeline';
import { tempDir } from '../testing/temp-dir';
import { storePatient, storeSeries, syntheticWard } from '../deid/test-fixtures';
import type { AgreementVersion } from './agreements';

/** A node of a mesh test: its own data dir, CA and ports; restartable on the same data dir. */
export interface MeshTestNode {
  node: VitalMeshNode;
  readonly config: NodeConfig;
  restart(overrides?: Partial<NodeConfig>): Promise<VitalMeshNode>;
  cleanup(): Promise<void>;
}

export async function startMeshNode(
  facilityName: string,
  overrides: Partial<NodeConfig> = {},
  options: { readonly clock?: () => number } = {},
): Promise<MeshTestNode> {
  const { dir, cleanup } = tempDir();
  const keyFile = join(dir, 'keys', 'node.key');
  initKeyFile(keyFile);
  const start = (config: NodeConfig) =>
    createNode(config, {
      host: 'console',
      logger: createLogger({ level: 'silent' }),
      ...(options.clock ? { meshClock: options.clock } : {}),
    });
  const first = await start({
    // Any free MLLP port: test files run in parallel, and other nodes may hold 2575.
    ...loadConfig({ dataDir: join(dir, 'data'), keySource: 'file', keyFile, mllpPort: 0 }, {}),
    facilityName,
    meshPort: 0,
    meshPullIntervalSeconds: 0,
    ...overrides,
  });
  const t: MeshTestNode = {
    node: first,
    get config() {
      return t.node.config;
    },
    async restart(more = {}) {
      // Same data dir, same key, same port (the peer enrolled that endpoint).
      t.node = await start({ ...t.node.config, meshPort: t.node.mesh.port, ...more });
      return t.node;
    },
    async cleanup() {
      await t.node.close();
      cleanup();
    },
  };
  return t;
}

/** Both sides import each other's bundle and confirm the fingerprint, as IT would. */
export function enrol(a: VitalMeshNode, b: VitalMeshNode): void {
  for (const [self, other] of [
    [a, b],
    [b, a],
  ] as const) {
    const bundle = other.mesh.bundle();
    const { fingerprint, ...rest } = bundle;
    const peer = self.mesh.peers.import(JSON.stringify(rest), self.mesh.identity.facilityId(), 'it1');
    self.mesh.peers.confirm(peer.facilityId, fingerprint, 'it1');
  }
}

/** Sender-side agreement: drafted by IT, approved by a different person (compliance). */
export function agree(
  sender: VitalMeshNode,
  receiver: VitalMeshNode,
  terms: { products?: string[]; expiresInMs?: number; k?: number; profile?: string; now?: number } = {},
): AgreementVersion {
  const now = terms.now ?? Date.now();
  const draft = sender.mesh.agreements.draft(
    {
      peerFacilityId: receiver.mesh.identity.facilityId(),
      products: (terms.products ?? ['vitals-raw']).map((productId) => ({
        productId,
        versionPolicy: 'latest',
      })),
      purpose: 'sepsis early-warning research',
      deidProfile: terms.profile ?? 'safe-harbor',
      k: terms.k ?? 2,
      startsAt: now - 1000,
      expiresAt: now + (terms.expiresInMs ?? 86_400_000),
    },
    'it1',
  );
  return sender.mesh.agreements.approve(draft.id, draft.version, 'co1');
}

/** A ward with `patients` patients and `perPatient` heart rates each, stored as ingest stores them. */
export function seedWard(node: VitalMeshNode, patients = 40, perPatient = 100): void {
  const db = node.store.db;
  const start = Date.parse('2024-03-01T08:00:00Z');
  for (const [i, p] of syntheticWard(patients).entries()) {
    const id = storePatient(db, p);
    storeSeries(db, id, 'hr', start + i * 1000, perPatient, 60_000, (j) => 60 + ((i + j) % 40));
  }
}

/** What the sender's pipeline releases for this agreement, in order: the expected received rows. */
export async function expectedRows(
  sender: VitalMeshNode,
  a: AgreementVersion,
  productId = 'vitals-raw',
): Promise<unknown[][]> {
  const plan = await sender.mesh.sender.plan(a, productId, undefined);
  const out: unknown[][] = [];
  for (const b of sender.mesh.sender.batches(plan)) out.push(...b.rows);
  return out;
}

/** Audit entries of one action, oldest first, with their details parsed. */
export function auditOf(
  node: VitalMeshNode,
  action: string,
): { outcome: string; actor: string; details: Record<string, unknown> }[] {
  const rows = node.store.db
    .prepare('SELECT outcome, actor, details FROM audit_log WHERE action = ? ORDER BY seq')
    .all(action) as { outcome: string; actor: string; details: string | null }[];
  return rows.map((r) => ({
    outcome: r.outcome,
    actor: r.actor,
    details: r.details ? (JSON.parse(r.details) as Record<string, unknown>) : {},
  }));
}

/**
 * What one release of an aggregated product over every bucket before `to` yields, for this
 * agreement (its product version, profile, k and key): what a receiver of its closed windows must
 * hold, in any order.
 */
export function expectedAggregate(
  sender: VitalMeshNode,
  a: AgreementVersion,
  productId: string,
  to: number,
): unknown[][] {
  const { mesh } = sender;
  const plan = planRelease(sender.store.db, {
    product: mesh.sender.productFor(a, productId),
    profile: mesh.sender.profileFor(a),
    key: mesh.agreements.key(a.id),
    to,
  });
  const out: unknown[][] = [];
  for (const b of mesh.sender.batches({ ...plan, window: undefined, lateRows: 0 })) out.push(...b.rows);
  return out;
}

/** Rows as a sorted list of their JSON, to compare multisets of rows. */
export const asMultiset = (rows: readonly unknown[][]): string[] => rows.map((r) => JSON.stringify(r)).sort();
