import { hostname } from 'node:os';
import { connect, type TLSSocket } from 'node:tls';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';
import { AUDIT_COLUMNS, rowToEntry, type AuditEntry } from './chain';
import { toAuditEvent } from './fhir-audit-event';

export interface SyslogTarget {
  readonly host: string;
  readonly port: number;
  /** PEM of the CA that signed the SIEM's certificate: the only trust anchor used. */
  readonly ca: string | Buffer;
  /** Client certificate and key, when the SIEM asks for mutual TLS (IHE ATNA "secure node"). */
  readonly cert?: string | Buffer | undefined;
  readonly key?: string | Buffer | undefined;
  /** Name of this sink in the forwarding cursor table; one cursor per SIEM. */
  readonly sink?: string;
}

export interface ForwarderOptions {
  readonly facility: string;
  readonly logger: Logger;
  readonly retryMs?: number;
  /** How long a written batch must sit on a live connection before it counts as delivered. */
  readonly settleMs?: number;
  readonly batch?: number;
}

/** How long stop() lets written entries drain to the SIEM before it cuts the connection. */
export const SYSLOG_STOP_FLUSH_MS = 2000;

/** RFC 5424 §6: facility 13 "log audit"; severity by outcome. */
const FACILITY_LOG_AUDIT = 13;
const severity = (outcome: string): number => (outcome === 'ok' ? 5 : outcome === 'internal' ? 3 : 4);
/** RFC 5612 documentation enterprise number, until VitalMesh has its own IANA PEN. */
const SD_ID = 'vitalmesh@32473';
const sdValue = (value: string): string => value.replace(/[\\"\]]/g, (c) => `\\${c}`);
const HOST = (hostname().replace(/[^\x21-\x7e]/g, '') || '-').slice(0, 255);

/**
 * One audit entry as an RFC 5424 message: structured data carries seq and MAC (a SIEM can
 * de-duplicate resends and tie the line back to the chain); the MSG is the FHIR AuditEvent JSON,
 * UTF-8 with the BOM §6.4 asks for.
 */
export function formatSyslog(entry: AuditEntry, facility: string): string {
  const pri = FACILITY_LOG_AUDIT * 8 + severity(entry.outcome);
  const sd = `[${SD_ID} seq="${entry.seq}" outcome="${sdValue(entry.outcome)}" mac="${entry.mac.toString('hex')}"]`;
  const msg = JSON.stringify(toAuditEvent(entry, facility));
  return `<${pri}>1 ${new Date(entry.at).toISOString()} ${HOST} vitalmesh ${process.pid} AuditEvent ${sd} \ufeff${msg}`;
}

/** RFC 5425 §4.3 octet-counting: `MSG-LEN SP SYSLOG-MSG`, the length in bytes. */
export function frame(message: string): Buffer {
  const body = Buffer.from(message, 'utf8');
  return Buffer.concat([Buffer.from(`${body.length} `, 'ascii'), body]);
}

/**
 * Forwards the audit chain to a SIEM as syslog over TLS (RFC 5425, as IHE ATNA asks). The chain
 * itself is the durable queue: a cursor row (audit_forward) says how far the sink has been sent,
 * so entries made while the SIEM is down, or while the node is stopped, go out when it is back.
 * Delivery is at-least-once: a batch counts as delivered only after it has sat for `settleMs` on a
 * connection that is still up; anything after that point is resent on reconnect (same seq, so
 * the SIEM can drop duplicates).
 */
export class SyslogForwarder {
  private socket: TLSSocket | undefined;
  private timer: NodeJS.Timeout | undefined;
  private stopped = false;
  private busy = false;
  /** Batches written on the current connection, not yet counted as delivered. */
  private unsettled: { seq: number; writtenAt: number }[] = [];
  private sentSeq: number;
  private readonly sink: string;
  private readonly retryMs: number;
  private readonly settleMs: number;
  private readonly batch: number;

  constructor(
    private readonly db: Db,
    private readonly target: SyslogTarget,
    private readonly options: ForwarderOptions,
  ) {
    this.sink = target.sink ?? `syslog-tls://${target.host}:${target.port}`;
    this.retryMs = options.retryMs ?? 5000;
    this.settleMs = options.settleMs ?? 2000;
    this.batch = options.batch ?? 500;
    db.prepare('INSERT OR IGNORE INTO audit_forward (sink, sent_seq) VALUES (?, 0)').run(this.sink);
    this.sentSeq = this.delivered();
  }

  /** The last seq the sink is known to have received. */
  delivered(): number {
    return (
      this.db.prepare('SELECT sent_seq FROM audit_forward WHERE sink = ?').get(this.sink) as {
        sent_seq: number;
      }
    ).sent_seq;
  }

  start(): void {
    this.schedule(0);
  }

  /** New entries exist; send them soon rather than at the next poll. */
  notify(): void {
    if (!this.busy && this.socket && !this.timer) this.schedule(0);
  }

  /**
   * Ends the connection once what was written has left, or after SYSLOG_STOP_FLUSH_MS: a SIEM that
   * stopped reading would otherwise hold the node's shutdown forever. Nothing is lost by cutting:
   * the cursor only counts settled batches, so the rest is resent at the next start.
   */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    const socket = this.socket;
    this.socket = undefined;
    if (!socket) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(resolve, SYSLOG_STOP_FLUSH_MS);
      socket.end(() => {
        clearTimeout(timer);
        resolve();
      });
    });
    socket.destroy();
  }

  private schedule(ms: number): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = setTimeout(() => {
      this.timer = undefined;
      void this.tick();
    }, ms);
    this.timer.unref();
  }

  private connect(): Promise<TLSSocket> {
    return new Promise((resolve, reject) => {
      const socket = connect({
        host: this.target.host,
        port: this.target.port,
        ca: this.target.ca,
        cert: this.target.cert,
        key: this.target.key,
        minVersion: 'TLSv1.2',
        // The SIEM's certificate must chain to the configured CA and name this host.
        rejectUnauthorized: true,
      });
      socket.once('secureConnect', () => {
        socket.removeListener('error', reject);
        resolve(socket);
      });
      socket.once('error', reject);
    });
  }

  private dropConnection(reason: string): void {
    if (!this.socket) return;
    this.options.logger.warn(
      { sink: this.sink, reason },
      'syslog connection lost; will resend unsettled entries',
    );
    this.socket.destroy();
    this.socket = undefined;
    // Whatever wasn't settled goes again.
    this.unsettled = [];
    this.sentSeq = this.delivered();
  }

  private async tick(): Promise<void> {
    if (this.stopped || this.busy) return;
    this.busy = true;
    try {
      if (!this.socket) {
        const socket = await this.connect();
        if (this.stopped) {
          socket.destroy();
          return;
        }
        // Events of an old socket must not drop its successor.
        socket.on('error', (error: Error) => {
          if (this.socket === socket) this.dropConnection(error.message);
        });
        socket.on('close', () => {
          if (this.socket === socket) this.dropConnection('closed by the receiver');
        });
        // A syslog receiver never talks back; reading keeps a half-closed socket noticed.
        socket.on('data', () => {});
        this.socket = socket;
        this.sentSeq = this.delivered();
        this.options.logger.info({ sink: this.sink, from: this.sentSeq + 1 }, 'syslog forwarding connected');
      }
      this.settle();
      const socket = this.socket;
      const rows = this.db
        .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log WHERE seq > ? ORDER BY seq LIMIT ?`)
        .raw()
        .all(this.sentSeq, this.batch) as Parameters<typeof rowToEntry>[0][];
      if (rows.length > 0) {
        const entries = rows.map(rowToEntry);
        const payload = Buffer.concat(entries.map((e) => frame(formatSyslog(e, this.options.facility))));
        await new Promise<void>((resolve, reject) =>
          socket.write(payload, (error) => (error ? reject(error) : resolve())),
        );
        const last = entries.at(-1)!.seq;
        this.sentSeq = last;
        this.unsettled.push({ seq: last, writtenAt: Date.now() });
        this.schedule(rows.length === this.batch ? 0 : Math.min(this.settleMs, 250));
      } else {
        this.schedule(this.unsettled.length > 0 ? Math.min(this.settleMs, 250) : 1000);
      }
    } catch (error) {
      this.dropConnection((error as Error).message);
      this.options.logger.debug(
        { sink: this.sink, err: (error as Error).message },
        'syslog receiver unreachable',
      );
      this.schedule(this.retryMs);
    } finally {
      this.busy = false;
    }
  }

  /** Counts batches that survived `settleMs` on a live connection as delivered (durably). */
  private settle(): void {
    const now = Date.now();
    let settled: number | undefined;
    while (this.unsettled.length > 0 && now - this.unsettled[0]!.writtenAt >= this.settleMs) {
      settled = this.unsettled.shift()!.seq;
    }
    if (settled !== undefined && this.socket) {
      this.db
        .prepare('UPDATE audit_forward SET sent_seq = ? WHERE sink = ? AND sent_seq < ?')
        .run(settled, this.sink, settled);
    }
  }
}
