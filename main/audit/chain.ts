import { createHmac } from 'node:crypto';
import type { Db } from '../store/database';

/** What a caller hands in; the chain adds seq, time and MAC. No PHI values in `details`. */
export interface AuditInput {
  readonly actor: string;
  readonly actorId?: number | null | undefined;
  readonly role?: string | null | undefined;
  readonly host: string;
  readonly remoteAddress?: string | null | undefined;
  readonly action: string;
  readonly target?: string | null | undefined;
  readonly patientId?: number | null | undefined;
  readonly outcome: string;
  readonly breakGlassReason?: string | null | undefined;
  readonly details?: Record<string, unknown> | null | undefined;
}

/** One stored entry, as search and export read it. */
export interface AuditEntry {
  readonly seq: number;
  readonly at: number;
  readonly actor: string;
  readonly actorId: number | null;
  readonly role: string | null;
  readonly host: string;
  readonly remoteAddress: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly patientId: number | null;
  readonly outcome: string;
  readonly breakGlassReason: string | null;
  /** The details exactly as stored (JSON text): the MAC covers these bytes. */
  readonly details: string | null;
  readonly mac: Buffer;
}

export type ChainProblem = 'altered' | 'missing' | 'head_missing' | 'head_altered' | 'time_reversed';

export interface VerifyReport {
  readonly ok: boolean;
  readonly checked: number;
  readonly lastSeq: number;
  /** The first entry that fails, and why; absent when the chain is whole. */
  readonly firstBroken?: { readonly seq: number; readonly problem: ChainProblem };
}

export const AUDIT_COLUMNS =
  'seq, at, actor, actor_id, role, host, remote_address, action, target, patient_id, outcome, break_glass_reason, details, mac';

const GENESIS: Buffer = Buffer.alloc(32);
const MAX_FIELD = 512;

type Row = [
  number,
  number,
  string,
  number | null,
  string | null,
  string,
  string | null,
  string,
  string | null,
  number | null,
  string,
  string | null,
  string | null,
  Buffer,
];

export const rowToEntry = (r: Row): AuditEntry => ({
  seq: r[0],
  at: r[1],
  actor: r[2],
  actorId: r[3],
  role: r[4],
  host: r[5],
  remoteAddress: r[6],
  action: r[7],
  target: r[8],
  patientId: r[9],
  outcome: r[10],
  breakGlassReason: r[11],
  details: r[12],
  mac: r[13],
});

/**
 * The canonical content an entry's MAC covers: every column but the MAC, in a fixed order, as a
 * JSON array (unambiguous: no field can bleed into the next). Versioned so the layout can change.
 */
export function canonical(e: Omit<AuditEntry, 'mac'>): string {
  return JSON.stringify([
    1,
    e.seq,
    e.at,
    e.actor,
    e.actorId,
    e.role,
    e.host,
    e.remoteAddress,
    e.action,
    e.target,
    e.patientId,
    e.outcome,
    e.breakGlassReason,
    e.details,
  ]);
}

const entryMac = (key: Buffer, previous: Buffer, e: Omit<AuditEntry, 'mac'>): Buffer =>
  createHmac('sha256', key).update(previous).update(canonical(e)).digest();

/** The head row's own MAC: binds the last seq to its MAC so cutting entries off the end shows. */
function headMac(key: Buffer, seq: number, mac: Buffer): Buffer {
  const seqBytes = Buffer.alloc(8);
  seqBytes.writeBigUInt64BE(BigInt(seq));
  return createHmac('sha256', key).update('vitalmesh-audit-head').update(seqBytes).update(mac).digest();
}

const clip = (value: string | null | undefined): string | null =>
  value === undefined || value === null ? null : value.slice(0, MAX_FIELD);

/**
 * The tamper-evident audit history: each entry carries HMAC-SHA256(audit key, previous MAC ‖
 * canonical content). The audit key is not the database key, so someone holding only the database
 * key (a copied backup, a forensic examiner) can read the history but can't rewrite it unseen.
 * Appends from several processes (node, CLI) are safe: each runs in an IMMEDIATE transaction that
 * reads the tail it chains to.
 */
export class AuditChain {
  private readonly selectTail;
  private readonly insert;
  private readonly upsertHead;
  private readonly appendTx;

  constructor(
    readonly db: Db,
    private readonly key: Buffer,
    private readonly now: () => number = Date.now,
  ) {
    if (key.length !== 32) throw new Error('the audit key must be 256 bits');
    this.selectTail = db.prepare<[], { seq: number; at: number; mac: Buffer }>(
      'SELECT seq, at, mac FROM audit_log ORDER BY seq DESC LIMIT 1',
    );
    this.insert = db.prepare(`INSERT INTO audit_log (${AUDIT_COLUMNS}) VALUES (${'?, '.repeat(13)}?)`);
    this.upsertHead = db.prepare(
      `INSERT INTO audit_head (id, seq, mac, head_mac) VALUES (1, ?, ?, ?)
       ON CONFLICT(id) DO UPDATE SET seq = excluded.seq, mac = excluded.mac, head_mac = excluded.head_mac`,
    );
    this.appendTx = db.transaction((inputs: readonly AuditInput[]) => {
      const tail = this.selectTail.get();
      let seq = tail?.seq ?? 0;
      let previous = tail?.mac ?? GENESIS;
      // Time never runs backwards in the log, even if the clock does: search turns time ranges
      // into seq ranges, which is exact only while `at` is non-decreasing.
      let lastAt = tail?.at ?? 0;
      const out: AuditEntry[] = [];
      for (const input of inputs) {
        seq += 1;
        lastAt = Math.max(this.now(), lastAt);
        const entry = {
          seq,
          at: lastAt,
          actor: clip(input.actor) ?? 'unknown',
          actorId: input.actorId ?? null,
          role: clip(input.role),
          host: clip(input.host) ?? 'unknown',
          remoteAddress: clip(input.remoteAddress),
          action: clip(input.action) ?? '(none)',
          target: clip(input.target),
          patientId: input.patientId ?? null,
          outcome: clip(input.outcome) ?? 'unknown',
          breakGlassReason: clip(input.breakGlassReason),
          details:
            input.details && Object.keys(input.details).length > 0 ? JSON.stringify(input.details) : null,
        };
        const mac = entryMac(this.key, previous, entry);
        this.insert.run(
          entry.seq,
          entry.at,
          entry.actor,
          entry.actorId,
          entry.role,
          entry.host,
          entry.remoteAddress,
          entry.action,
          entry.target,
          entry.patientId,
          entry.outcome,
          entry.breakGlassReason,
          entry.details,
          mac,
        );
        out.push({ ...entry, mac });
        previous = mac;
      }
      this.upsertHead.run(seq, previous, headMac(this.key, seq, previous));
      return out;
    });
  }

  /** Appends one entry and returns it (with its seq). Throws if the store can't take it. */
  append(input: AuditInput): AuditEntry {
    return this.appendTx.immediate([input])[0] as AuditEntry;
  }

  /** Appends many entries in one transaction (imports, benchmarks); same chain as one by one. */
  appendMany(inputs: readonly AuditInput[]): AuditEntry[] {
    return inputs.length === 0 ? [] : this.appendTx.immediate(inputs);
  }

  lastSeq(): number {
    return this.selectTail.get()?.seq ?? 0;
  }

  /**
   * Walks the whole chain in order and reports the first entry that is missing or doesn't carry
   * the MAC its content and predecessor demand. Reads one row at a time (constant memory).
   */
  verify(): VerifyReport {
    const rows = this.db
      .prepare(`SELECT ${AUDIT_COLUMNS} FROM audit_log ORDER BY seq`)
      .raw()
      .iterate() as IterableIterator<Row>;
    let expected = 1;
    let previous: Buffer = GENESIS;
    let lastAt = 0;
    let checked = 0;
    const broken = (seq: number, problem: ChainProblem): VerifyReport => ({
      ok: false,
      checked,
      lastSeq: expected - 1,
      firstBroken: { seq, problem },
    });
    for (const row of rows) {
      const entry = rowToEntry(row);
      if (entry.seq !== expected) {
        (rows as { return?: () => void }).return?.();
        return broken(expected, 'missing');
      }
      const mac = entryMac(this.key, previous, entry);
      if (entry.mac.length !== mac.length || !mac.equals(entry.mac)) {
        (rows as { return?: () => void }).return?.();
        return broken(entry.seq, 'altered');
      }
      if (entry.at < lastAt) {
        (rows as { return?: () => void }).return?.();
        return broken(entry.seq, 'time_reversed');
      }
      lastAt = entry.at;
      previous = mac;
      checked += 1;
      expected += 1;
    }
    const last = expected - 1;
    const head = this.db
      .prepare<[], { seq: number; mac: Buffer; head_mac: Buffer }>(
        'SELECT seq, mac, head_mac FROM audit_head WHERE id = 1',
      )
      .get();
    if (!head) return last === 0 ? { ok: true, checked, lastSeq: 0 } : broken(last, 'head_missing');
    if (!headMac(this.key, head.seq, head.mac).equals(head.head_mac)) return broken(head.seq, 'head_altered');
    // The head remembers a later entry than the table holds: entries were cut off the end.
    if (head.seq > last) return broken(last + 1, 'missing');
    if (head.seq < last || !head.mac.equals(previous)) return broken(head.seq, 'head_altered');
    return { ok: true, checked, lastSeq: last };
  }
}
