import { readFileSync } from 'node:fs';
import { createVitalCatalog, type VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { NodeConfig } from '../../config/config';
import type { Logger } from '../../log/logger';
import type { Db } from '../../store/database';
import {
  DEFAULT_MAX_FRAME_BYTES,
  startListener,
  type ClosedConnection,
  type ConnectionStatus,
  type Listener,
  type TlsOptions,
} from './listener';
import {
  decideWorkersAvailable,
  NO_DECIDE_WORKERS,
  startDecidePool,
  type DecideWorkersStatus,
} from './decide-pool';
import {
  createIngest,
  DEFAULT_KEEP_TYPES,
  type Ingest,
  type IngestAuditEntry,
  type StoredObservations,
} from './pipeline';

export interface Hl7IngestConfig {
  readonly port: number;
  readonly host?: string;
  readonly tls?: TlsOptions;
  readonly maxFrameBytes?: number;
  /** Message types other than ORU acknowledged AA and kept (default ADT). */
  readonly keepTypes?: readonly string[];
  /** Local codes merged into the vital-sign catalog (validated; see shared/catalog). */
  readonly localCodes?: readonly unknown[];
  readonly receiver?: { application: string; facility: string };
  /** Threads that read frames beside the store's (decide-pool.ts); 0 = on the node's thread. */
  readonly decideThreads?: number;
}

export interface Hl7IngestDeps {
  readonly db: Db;
  readonly logger: Logger;
  /** The audit chain's append; per connection and per rejected message, never per accepted one. */
  readonly onAudit?: (entry: IngestAuditEntry) => void;
  /** The live bus; called after each group commit. */
  readonly onStored?: (batch: readonly StoredObservations[]) => void;
  /** A monitor's MLLP connection closed (not at shutdown); the alarm engine hears it. */
  readonly onConnectionClosed?: (closed: ClosedConnection) => void;
}

/** The running HL7 v2 ingest: what ingest.status reads and the composition root closes. */
export interface Hl7IngestService {
  readonly ingest: Ingest;
  readonly listener: Listener;
  readonly catalog: VitalCatalog;
  readonly maxFrameBytes: number;
  connections(): ConnectionStatus[];
  /** The decide workers; threads 0 when frames are read on the node's thread. */
  reading(): DecideWorkersStatus;
  close(): Promise<void>;
}

/** The listener could not start (port in use, address not available, TLS files unreadable). */
export class Hl7ListenerError extends Error {
  override name = 'Hl7ListenerError';
}

/** The node's settings as the HL7 ingest takes them; TLS files are read here, once, at start. */
export function hl7IngestConfig(config: NodeConfig): Hl7IngestConfig {
  const tls = config.mllpTls;
  const read = (what: string, file: string) => {
    try {
      return readFileSync(file);
    } catch (error) {
      throw new Hl7ListenerError(
        `could not read the MLLP TLS ${what} ${file} (mllpTls in config.json): ${(error as Error).message}`,
      );
    }
  };
  return {
    port: config.mllpPort,
    host: config.mllpHost,
    maxFrameBytes: config.mllpMaxFrameBytes,
    keepTypes: config.hl7KeepTypes,
    localCodes: config.localCodes,
    decideThreads: config.mllpDecideThreads,
    receiver: { application: 'VitalMesh', facility: config.facilityName },
    tls: tls && {
      cert: read('certificate', tls.certFile),
      key: read('private key', tls.keyFile),
      ca: tls.caFile === undefined ? undefined : read('CA certificate', tls.caFile),
      requireClientCert: tls.requireClientCert,
    },
  };
}

/** Starts the MLLP listener on an open store. Wired by main/node.ts. */
export async function startHl7Ingest(
  config: Hl7IngestConfig,
  deps: Hl7IngestDeps,
): Promise<Hl7IngestService> {
  const logger = deps.logger.child({ module: 'hl7' });
  const catalog = createVitalCatalog(config.localCodes ?? []);
  const keepTypes = config.keepTypes ?? DEFAULT_KEEP_TYPES;
  const threads = config.decideThreads ?? 0;
  const workers = threads > 0 && decideWorkersAvailable();
  if (threads > 0 && !workers)
    logger.warn('this build has no HL7 decide worker; frames are read on the node thread');
  const decider = workers
    ? startDecidePool({ threads, localCodes: config.localCodes ?? [], keepTypes, logger })
    : undefined;
  const ingest = createIngest({
    db: deps.db,
    catalog,
    logger,
    decider,
    keepTypes,
    receiver: config.receiver,
    onAudit: deps.onAudit,
    onStored: deps.onStored,
  });
  const maxFrameBytes = config.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  let listener: Listener;
  try {
    listener = await startListener({
      ingest,
      logger,
      port: config.port,
      host: config.host,
      tls: config.tls,
      maxFrameBytes,
      onAudit: deps.onAudit,
      onConnectionClosed: deps.onConnectionClosed,
    });
  } catch (error) {
    await decider?.close();
    const code = (error as NodeJS.ErrnoException).code;
    const where = `${config.host ?? '127.0.0.1'}:${config.port}`;
    if (code === 'EADDRINUSE')
      throw new Hl7ListenerError(
        `the MLLP port ${where} is already in use; choose another with --mllp-port or VITALMESH_MLLP_PORT (0 = any free port)`,
      );
    // Anything else (address not available, no permission, a TLS key that doesn't parse) is a
    // setting a person must fix, so it is named, not thrown as a stack.
    throw new Hl7ListenerError(`the MLLP listener could not start on ${where}: ${(error as Error).message}`);
  }
  return {
    ingest,
    listener,
    catalog,
    maxFrameBytes,
    connections: () => listener.connections(),
    reading: () => decider?.workers() ?? NO_DECIDE_WORKERS,
    close: async () => {
      await listener.close();
      await decider?.close();
      ingest.close();
    },
  };
}
