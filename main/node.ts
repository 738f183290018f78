import type { NodeConfig } from './config/config';
import { createDispatcher, type Api, type CallRecord } from './api/dispatcher';
import type { HostKind } from './api/context';
import { nodeHandlers, nodeStreamHandlers } from './api/node-handlers';
import type { Logger } from './log/logger';
import { createKeySource, type KeySource } from './store/key-source';
import { acquireNodeLock } from './store/node-lock';
import { ensureDataDir, openStore, type Store } from './store/store';
import { openAccessLayer, type AccessLayer } from './auth/access';
import { hl7IngestConfig, startHl7Ingest, type Hl7IngestService } from './ingest/hl7/service';
import { startDemoBeds } from './simulator/demo';
import type { Simulator } from './simulator/simulator';
import { createLiveService, type LiveService } from './live/live-service';
import { vitalsHandlers, vitalsStreamHandlers } from './api/vitals-handlers';
import { createVitalCatalog } from '../shared/catalog/vital-signs';
import { FhirService } from './ingest/fhir/service';
import { fhirHandlers, fhirStreamHandlers } from './api/fhir-handlers';
import { ingestHandlers } from './api/ingest-handlers';
import { patientHandlers } from './api/patient-handlers';
import { ProductCatalog } from './products/catalog';
import { UnitTypeStore } from './products/unit-types';
import { ProfileStore } from './deid/profile-store';
import { DatasetExporter } from './export/exporter';
import { productHandlers } from './api/product-handlers';
import { exportHandlers, exportStreamHandlers } from './api/export-handlers';
import { MeshService } from './mesh/service';
import { meshHandlers } from './api/mesh-handlers';
import { VERSION } from './version';
import { startOperations, type Operations } from './operations/operations';
import { operationsConfig } from './config/operations';
import { operationsHandlers } from './api/operations-handlers';

export interface NodeOptions {
  readonly host: HostKind;
  readonly logger: Logger;
  /** Tests and the CLI may hand in a key source they built; otherwise it comes from config. */
  readonly keySource?: KeySource;
  /** Tests may hand in a clock for the mesh's agreement terms and closed aggregate buckets. */
  readonly meshClock?: () => number;
}

/** A running node: the API both hosts carry, and a clean way to stop. */
export interface VitalMeshNode {
  readonly api: Api;
  readonly config: NodeConfig;
  readonly store: Store;
  /** Users, sessions and the audit chain (issue 3). */
  readonly access: AccessLayer;
  /** The HL7 v2 (MLLP) ingest; undefined when mllpEnabled is off. */
  readonly hl7: Hl7IngestService | undefined;
  /** The demo's simulated beds (config.demo), streaming into `hl7`. */
  readonly demoBeds: Simulator | undefined;
  /** Live vitals and alarms: the bus ingest publishes to, and the alarm engine (issue 5). */
  readonly live: LiveService;
  /** FHIR R4 sources: configuration, schedule and sync runs (issue 6). */
  readonly fhir: FhirService;
  /** Data product catalog, profiles and dataset exports (issue 7). */
  readonly exporter: DatasetExporter;
  /** The mesh: facility PKI, peers, agreements, mTLS listener and puller (issue 8). */
  readonly mesh: MeshService;
  /** Retention, scheduled backups, health probes and alerts (issue 9). */
  readonly operations: Operations;
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
  // WAL checkpoints run on their own thread, so no commit (and no ACK) waits for one.
  const checkpoints = store.startBackgroundCheckpoints(logger);
  const startedAt = Date.now();
  const access = await openAccessLayer(config, store, keys, logger);
  const live = createLiveService({
    db: store.db,
    localCodes: config.localCodes,
    logger,
    signalLostMs: config.signalLostSeconds * 1000,
  });
  let hl7: Hl7IngestService | undefined;
  try {
    hl7 = config.mllpEnabled
      ? await startHl7Ingest(hl7IngestConfig(config), {
          db: store.db,
          logger,
          // Per connection and per rejected message, through the one audit function.
          onAudit: (entry) => access.audit.append(entry),
          // Live vitals and alarms, after each group commit.
          onStored: (batch) => live.onStored(batch),
          onConnectionClosed: (closed) => live.connectionClosed(closed.id, closed.messages),
        })
      : undefined;
  } catch (error) {
    live.close();
    await access.close();
    await checkpoints.close();
    store.close();
    releaseLock();
    throw error;
  }
  const demoBeds =
    config.demo && hl7
      ? startDemoBeds({
          host: hl7.listener.host,
          port: hl7.listener.port,
          logger: logger.child({ module: 'demo' }),
        })
      : undefined;
  const fhir = new FhirService({
    db: store.db,
    catalog: createVitalCatalog(config.localCodes ?? []),
    logger: logger.child({ module: 'fhir' }),
    audit: (entry) => access.audit.append(entry),
  });
  fhir.start();
  const nodeDeps = {
    store,
    facilityName: config.facilityName,
    demo: config.demo,
    host: options.host,
    startedAt,
    operations: () => operations.health.health(),
  };
  const liveDeps = { live, users: access.users };
  const catalog = hl7?.catalog ?? createVitalCatalog(config.localCodes ?? []);
  const recordsDeps = { db: store.db, users: access.users, catalog };
  const products = {
    catalog: new ProductCatalog(store.db),
    profiles: new ProfileStore(store.db),
    unitTypes: new UnitTypeStore(store.db),
  };
  const exporter = new DatasetExporter({
    db: store.db,
    dataDir: config.dataDir,
    ...products,
    audit: (entry) => access.audit.append(entry),
    logger: logger.child({ module: 'export' }),
  });
  const exportDeps = { exporter, catalog: products.catalog };
  let mesh: MeshService;
  try {
    mesh = await MeshService.start({
      db: store.db,
      facilityName: config.facilityName,
      host: config.meshHost ?? '127.0.0.1',
      port: config.meshPort,
      ...products,
      audit: (entry) => access.audit.append(entry),
      logger: logger.child({ module: 'mesh' }),
      version: VERSION,
      pullIntervalMs: (config.meshPullIntervalSeconds ?? 60) * 1000,
      pageSize: config.meshPageSize,
      now: options.meshClock,
      caKey: { wanted: config.meshCaKey, keySource: keys.kind, dataDir: config.dataDir },
    });
  } catch (error) {
    // E.g. the mesh port is taken: stop what started, then say which listener failed.
    await demoBeds?.stop();
    await hl7?.close();
    live.close();
    await fhir.close();
    await exporter.close();
    await access.close();
    await checkpoints.close();
    store.close();
    releaseLock();
    throw new Error(
      `the mesh listener could not start on ${config.meshHost ?? '127.0.0.1'}:${config.meshPort}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const operations = startOperations({
    config: config.operations ?? operationsConfig(undefined, {}, config.dataDir),
    dataDir: config.dataDir,
    facility: config.facilityName,
    store,
    keys,
    chain: access.audit.chain,
    audit: (entry) => access.audit.append(entry),
    logger,
    hl7,
    certificateFiles: [
      ...(config.mllpTls ? [{ name: 'MLLP TLS certificate', file: config.mllpTls.certFile }] : []),
      ...(config.auditSyslog?.certFile
        ? [{ name: 'syslog client certificate', file: config.auditSyslog.certFile }]
        : []),
    ],
  });

  const api = createDispatcher({
    logger: logger.child({ module: 'api' }),
    handlers: {
      ...nodeHandlers(nodeDeps),
      ...vitalsHandlers(liveDeps),
      ...access.handlers,
      ...fhirHandlers(fhir),
      ...ingestHandlers({ db: store.db, hl7 }),
      ...patientHandlers(recordsDeps),
      ...productHandlers(products),
      ...exportHandlers(exportDeps),
      ...meshHandlers(mesh),
      ...operationsHandlers(operations),
    },
    streamHandlers: {
      ...nodeStreamHandlers(nodeDeps),
      ...vitalsStreamHandlers(liveDeps),
      ...fhirStreamHandlers(fhir),
      ...exportStreamHandlers(exportDeps),
    },
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
    hl7,
    demoBeds,
    live,
    fhir,
    exporter,
    mesh,
    operations,
    async close() {
      if (closed) return;
      closed = true;
      const closing = (part: string) => logger.info({ part }, 'closing');
      // A purge stops between batches, a running backup finishes; no alert fires during shutdown.
      closing('operations');
      await operations.close();
      // Senders first, then the listener (it commits what is queued and ACKs it), then the store.
      closing('demo beds');
      await demoBeds?.stop();
      closing('hl7');
      await hl7?.close();
      live.close();
      // Running syncs are cancelled; each keeps the pages it committed.
      closing('fhir');
      await fhir.close();
      // Open streams end with UNAVAILABLE; a pull in progress keeps the batches it committed.
      closing('mesh');
      await mesh.close();
      // Running exports are cancelled and their partial files removed before the store closes.
      closing('exports');
      await exporter.close();
      closing('access');
      await access.close();
      closing('checkpointer');
      await checkpoints.close();
      store.close();
      releaseLock();
      logger.info('node closed');
    },
  };
}
