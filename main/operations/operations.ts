import type { AuditChain, AuditInput } from '../audit/chain';
import { BackupService } from '../backup/service';
import type { OperationsConfig } from '../config/operations';
import { AuditVerifyProbe } from '../health/audit-probe';
import { meshProbe } from '../health/mesh-probe';
import { storedAlertState } from '../health/alert-state';
import { HealthMonitor } from '../health/monitor';
import type { HealthProbe } from '../health/probe';
import {
  backupProbe,
  certificateProbe,
  diskOf,
  fhirProbe,
  hl7Probe,
  meshCertificates,
  pemFileCertificate,
  storeProbe,
  type WatchedCertificate,
} from '../health/probes';
import type { Hl7IngestService } from '../ingest/hl7/service';
import type { Logger } from '../log/logger';
import { defaultRetentionClasses, type RetentionClass } from '../retention/classes';
import { RetentionService } from '../retention/service';
import type { KeySource } from '../store/key-source';
import type { Store } from '../store/store';

export interface OperationsDeps {
  readonly config: OperationsConfig;
  readonly dataDir: string;
  readonly facility: string;
  readonly store: Store;
  readonly keys: KeySource;
  readonly chain: Pick<AuditChain, 'verify'>;
  readonly audit: (entry: AuditInput) => void;
  readonly logger: Logger;
  readonly hl7: Hl7IngestService | undefined;
  /** PEM certificate files the node serves (MLLP TLS, syslog client), watched for expiry. */
  readonly certificateFiles?: readonly { name: string; file: string }[];
  /** Probes of other subsystems (the mesh's peers), run with the built-in ones. */
  readonly probes?: readonly HealthProbe[];
  /** Retention classes of other subsystems, purged with the built-in ones. */
  readonly retentionClasses?: readonly RetentionClass[];
  /** Tests replace the disk figures to make the free-disk rule fire. */
  readonly disk?: () => ReturnType<typeof diskOf>;
}

/** Retention, scheduled backups and the health monitor of one node (issue 9). */
export interface Operations {
  readonly retention: RetentionService;
  readonly backups: BackupService;
  readonly health: HealthMonitor;
  readonly auditProbe: AuditVerifyProbe;
  close(): Promise<void>;
}

/** Builds and starts them; main/node.ts hands in what they watch. */
export function startOperations(deps: OperationsDeps): Operations {
  const { config, store, logger } = deps;
  const retention = new RetentionService({
    db: store.db,
    classes: [
      ...defaultRetentionClasses({ db: store.db, dataDir: deps.dataDir }),
      ...(deps.retentionClasses ?? []),
    ],
    audit: deps.audit,
    logger: logger.child({ module: 'retention' }),
    scheduleHours: config.retentionScheduleHours,
  });
  const backups = new BackupService({
    db: store.db,
    dataDir: deps.dataDir,
    keys: deps.keys,
    settings: config.backup,
    audit: deps.audit,
    logger: logger.child({ module: 'backup' }),
  });
  const disk = deps.disk ?? (() => diskOf(deps.dataDir));
  const auditProbe = new AuditVerifyProbe(deps.chain);
  const certs: WatchedCertificate[] = [
    ...meshCertificates(store.db),
    ...(deps.certificateFiles ?? []).map((c) => pemFileCertificate(c.name, c.file)),
  ];
  const health = new HealthMonitor({
    probes: [
      storeProbe(store, disk),
      backupProbe(backups),
      hl7Probe(store.db, deps.hl7),
      fhirProbe(store.db),
      certificateProbe(certs),
      auditProbe,
      meshProbe(store.db),
      ...(deps.probes ?? []),
    ],
    settings: config.alerts,
    disk,
    lastBackupAt: () => backups.status().lastSuccess?.finishedAt ?? null,
    audit: deps.audit,
    logger: logger.child({ module: 'health' }),
    facility: deps.facility,
    state: storedAlertState(store.db, logger.child({ module: 'health' })),
  });
  retention.start();
  backups.start();
  auditProbe.start(config.alerts.auditVerifyHours);
  health.start();
  return {
    retention,
    backups,
    health,
    auditProbe,
    async close() {
      auditProbe.close();
      await health.close();
      await retention.close();
      await backups.close();
    },
  };
}
