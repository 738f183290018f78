import type { NodeConfig } from './config/config';
import { createDispatcher, type Api, type CallRecord } from './api/dispatcher';
import type { HostKind } from './api/context';
import { nodeHandlers, nodeStreamHandlers } from './api/node-handlers';
import type { Logger } from './log/logger';
import { createKeySource, type KeySource } from './store/key-source';
import { acquireNodeLock } from './store/node-lock';
import { ensureDataDir, openStore, type Store } from './store/store';
import { openAccessLayer, type AccessLayer } from './auth/access';

export interface NodeOptions {
  readonly host: HostKind;
  readonly logger: Logger;
  /** Tests and the CLI may hand in a key source they built; otherwise it comes from config. */
  readonly keySource?: KeySource;
}

/** A running node: the API both hosts carry, and a clean way to stop. */
export interface VitalMeshNode {
  readonly api: Api;
  readonly config: NodeConfig;
  readonly store: Store;
  /** Users, sessions and the audit chain (issue 3). */
  readonly access: AccessLayer;
  close(): Promise<void>;
}

/**
 * The composition root: the only place where parts are wired to each other. Each part gets what
 * it needs by parameter; nothing reaches for a global.
 */
export async function createNode(config: NodeConfig, options: NodeOptions): Promise<VitalMeshNode> {
  const logger = options.logger;
  const keys = options.keySource ?? (await createKeySource(config));
  ensureDataDir(config.dataDir);
  // One node per data dir; `keys rotate` and `restore` refuse while this is held.
  const releaseLock = acquireNodeLock(config.dataDir, 'running the node');
  let store: Store;
  try {
    store = await openStore(config.dataDir, keys);
  } catch (error) {
    releaseLock();
    throw error;
  }
  const startedAt = Date.now();
  const access = await openAccessLayer(config, store, keys, logger);
  const nodeDeps = {
    store,
    facilityName: config.facilityName,
    demo: config.demo,
    host: options.host,
    startedAt,
  };

  const api = createDispatcher({
    logger: logger.child({ module: 'api' }),
    handlers: { ...nodeHandlers(nodeDeps), ...access.handlers },
    streamHandlers: { ...nodeStreamHandlers(nodeDeps) },
    authenticate: (token) => access.sessions.authenticate(token),
    record: (entry: CallRecord) => access.audit.recordCall(entry),
  });

  logger.info(
    { dataDir: config.dataDir, keySource: keys.kind, schemaVersion: store.schemaVersion() },
    'store open',
  );

  let closed = false;
  return {
    api,
    config,
    store,
    access,
    async close() {
      if (closed) return;
      closed = true;
      await access.close();
      store.close();
      releaseLock();
      logger.info('node closed');
    },
  };
}
