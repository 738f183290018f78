import { createVitalCatalog, type VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { Logger } from '../../log/logger';
import type { Db } from '../../store/database';
import {
  DEFAULT_MAX_FRAME_BYTES,
  startListener,
  type ConnectionStatus,
  type Listener,
  type TlsOptions,
} from './listener';
import { createIngest, type Ingest, type IngestAuditEntry, type StoredObservations } from './pipeline';

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
}

export interface Hl7IngestDeps {
  readonly db: Db;
  readonly logger: Logger;
  /** The audit chain's append; per connection and per rejected message, never per accepted one. */
  readonly onAudit?: (entry: IngestAuditEntry) => void;
  /** The live bus; called after each group commit. */
  readonly onStored?: (batch: readonly StoredObservations[]) => void;
}

/** The running HL7 v2 ingest: what ingest.status reads and the composition root closes. */
export interface Hl7IngestService {
  readonly ingest: Ingest;
  readonly listener: Listener;
  readonly catalog: VitalCatalog;
  readonly maxFrameBytes: number;
  connections(): ConnectionStatus[];
  close(): Promise<void>;
}

/** Starts the MLLP listener on an open store. Wired by main/node.ts. */
export async function startHl7Ingest(
  config: Hl7IngestConfig,
  deps: Hl7IngestDeps,
): Promise<Hl7IngestService> {
  const logger = deps.logger.child({ module: 'hl7' });
  const catalog = createVitalCatalog(config.localCodes ?? []);
  const ingest = createIngest({
    db: deps.db,
    catalog,
    logger,
    keepTypes: config.keepTypes,
    receiver: config.receiver,
    onAudit: deps.onAudit,
    onStored: deps.onStored,
  });
  const maxFrameBytes = config.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const listener = await startListener({
    ingest,
    logger,
    port: config.port,
    host: config.host,
    tls: config.tls,
    maxFrameBytes,
    onAudit: deps.onAudit,
  });
  return {
    ingest,
    listener,
    catalog,
    maxFrameBytes,
    connections: () => listener.connections(),
    close: () => listener.close(),
  };
}
