import { z } from 'zod';
import { method, stream } from './define';
import { operationsHealth } from './health';

export const KEY_SOURCE_KINDS = ['keychain', 'file', 'passphrase'] as const;
export const keySourceKind = z.enum(KEY_SOURCE_KINDS);
export type KeySourceKind = z.infer<typeof keySourceKind>;

export const nodeHealth = z.object({
  status: z.enum(['ok', 'degraded']),
  version: z.string(),
  uptimeSeconds: z.number().nonnegative(),
  schemaVersion: z.number().int().nonnegative(),
  keySource: keySourceKind,
  storeBytes: z.number().int().nonnegative(),
  walBytes: z.number().int().nonnegative(),
  checkedAt: z.string(),
  /** Disk, backups, each subsystem's probe and the alerts that are firing (issue 9). */
  operations: operationsHealth.optional(),
});
export type NodeHealth = z.infer<typeof nodeHealth>;

export const nodeInfo = z.object({
  name: z.literal('VitalMesh'),
  version: z.string(),
  facilityName: z.string(),
  host: z.enum(['console', 'desktop', 'cli']),
  demo: z.boolean(),
});
export type NodeInfo = z.infer<typeof nodeInfo>;

const empty = z.object({}).strict();

export const nodeMethods = {
  'node.health': method(
    'Health of this node: store, key source, uptime; disk, backups, feeds, sources, certificates and firing alerts.',
    empty,
    nodeHealth,
  ),
  'node.info': method('Name, version and facility of this node.', empty, nodeInfo),
} as const;

export const nodeStreams = {
  'node.heartbeat': stream(
    'The node health, pushed every few seconds while subscribed.',
    z.object({ intervalMs: z.number().int().min(1000).max(60_000).default(5000) }).strict(),
    nodeHealth,
  ),
} as const;
