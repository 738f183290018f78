import type { CallRecord } from '../api/dispatcher';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';
import { AuditChain, type AuditEntry, type AuditInput } from './chain';
import { AuditExporter } from './export';
import { SyslogForwarder, type SyslogTarget } from './syslog';

export interface AuditLogOptions {
  readonly db: Db;
  /** The audit key (KeySource 'audit'), never the database key. */
  readonly key: Buffer;
  readonly dataDir: string;
  readonly facility: string;
  readonly logger: Logger;
  readonly syslog?: SyslogTarget | undefined;
  /** What a refused call's token was (missing, unknown, expired, ended), for its entry. */
  readonly describeToken?: (token: string | undefined) => string;
}

/** The audit chain and what hangs off it: the export jobs and the SIEM forwarder. */
export interface AuditLog {
  readonly chain: AuditChain;
  readonly exporter: AuditExporter;
  /** The one function every part of the node appends through. */
  append(input: AuditInput): AuditEntry;
  /** The dispatcher's `record`: one entry per call, allowed or not. */
  recordCall(record: CallRecord): void;
  close(): Promise<void>;
}

/** Turns a dispatcher call record into its entry. The session token itself is never written. */
export function callToEntry(record: CallRecord, tokenState?: string): AuditInput {
  const p = record.principal ?? record.actingAs;
  const details: Record<string, unknown> = { ...(record.details ?? {}) };
  if (record.outcome === 'unauthenticated' && tokenState) details.session = tokenState;
  if (p) details.sessionId = p.sessionId;
  return {
    actor: p?.username ?? 'anonymous',
    actorId: p?.userId ?? null,
    role: p?.role ?? null,
    host: record.origin.host,
    remoteAddress: record.origin.remoteAddress ?? null,
    action: record.action,
    target: record.target ?? null,
    patientId: record.patientId ?? null,
    outcome: record.outcome,
    breakGlassReason: record.breakGlassReason ?? null,
    details,
  };
}

export function createAuditLog(options: AuditLogOptions): AuditLog {
  const chain = new AuditChain(options.db, options.key);
  const exporter = new AuditExporter(options.db, chain, options.dataDir, options.facility);
  const forwarder = options.syslog
    ? new SyslogForwarder(options.db, options.syslog, {
        facility: options.facility,
        logger: options.logger.child({ module: 'audit-syslog' }),
      })
    : undefined;
  forwarder?.start();
  const append = (input: AuditInput): AuditEntry => {
    const entry = chain.append(input);
    forwarder?.notify();
    return entry;
  };
  return {
    chain,
    exporter,
    append,
    recordCall(record) {
      const state =
        record.outcome === 'unauthenticated' ? options.describeToken?.(record.origin.token) : undefined;
      append(callToEntry(record, state));
    },
    async close() {
      await forwarder?.stop();
    },
  };
}
