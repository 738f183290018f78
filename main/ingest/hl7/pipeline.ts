import type { ReplayResult } from '../../../shared/api/ingest';
import type { VitalCatalog } from '../../../shared/catalog/vital-signs';
import type { Logger } from '../../log/logger';
import type { Db } from '../../store/database';
import { buildAcks, type AckOut, type AppAckCode } from './ack';
import { decide, headerOnly, type Decision } from './decide';
import type { Decider } from './decide-pool';
import { GroupCommit } from './group-commit';
import { frame as mllpFrame } from './mllp';
import type { Hl7Issue } from './oru';
import { IngestRepository, type MessageRow, type PatientConflict } from './repository';
import { IngestClock, type IngestTimings } from './timings';

/** An audit entry as the audit chain takes it (`audit.append`); ingest never writes PHI into it. */
export interface IngestAuditEntry {
  readonly actor: string;
  readonly host: 'mllp';
  readonly remoteAddress: string | null;
  readonly action: string;
  readonly target: string | null;
  readonly outcome: string;
  readonly details: Record<string, unknown>;
}

/** Observations just committed, for the live bus (patient id, catalog id, value, time). */
export interface StoredObservations {
  readonly patientId: number;
  readonly messageId: number;
  /** The MLLP connection it came on: its close means the device behind it is gone. */
  readonly connectionId: number;
  /** When the node received the message (node clock). */
  readonly receivedAt: number;
  readonly observations: readonly {
    code: string;
    valueNum: number | undefined;
    unit: string | undefined;
    observedAt: number;
    deviceIdentifier: string | undefined;
  }[];
}

export interface IngestOptions {
  readonly db: Db;
  readonly catalog: VitalCatalog;
  readonly logger: Logger;
  /** Our identity in the MSH-3/4 of every ACK. */
  readonly receiver?: { application: string; facility: string };
  readonly keepTypes?: readonly string[];
  /** Messages committed per transaction at most (NOTES.md: one commit per message caps ~3,000/s). */
  readonly maxBatch?: number;
  /** Under load, how long a message may wait for others to join its group commit (group-commit.ts). */
  readonly maxGroupWaitMs?: number;
  /**
   * Parses and maps frames off this thread (decide-pool.ts); without it, frames are decided
   * here, inline. Its owner closes it.
   */
  readonly decider?: Decider;
  readonly onAudit?: (entry: IngestAuditEntry) => void;
  readonly onStored?: (batch: readonly StoredObservations[]) => void;
  readonly now?: () => number;
}

export interface ConnectionInfo {
  readonly id: number;
  readonly remote: string;
}

export interface IngestCounters {
  received: number;
  accepted: number;
  duplicates: number;
  rejected: number;
  observations: number;
  oversized: number;
  junkBytes: number;
  commits: number;
  lastMessageAt: number | null;
}

export interface Ingest {
  /** Processes one frame; resolves with the framed ACK(s) once the message is committed. */
  receive(payload: Buffer, conn: ConnectionInfo): Promise<Buffer[]>;
  /**
   * Runs a kept message through the ingest again, as if it had just arrived (read with today's
   * catalog and settings, stored in the next group commit), as a new row naming `replayOf`.
   * Resolves once committed with what was written; `messageId` null when the store refused it.
   */
  replay(raw: Buffer, replayOf: number, origin: string): Promise<ReplayResult>;
  /** Answers a frame refused for its size, from its head, and keeps the head for review. */
  receiveOversized(head: Buffer, totalBytes: number, limit: number, conn: ConnectionInfo): Promise<Buffer[]>;
  noteJunk(bytes: number): void;
  readonly counters: Readonly<IngestCounters>;
  /** Messages per second over the last 10 seconds. */
  rate(): number;
  /** Commits what is queued now (tests, shutdown). */
  flush(): void;
  /** Waits for frames still being decided, then commits everything (shutdown). */
  drain(): Promise<void>;
  /** Where recent messages spent their time in the node (ingest.status, bench/live.ts). */
  timings(): IngestTimings;
  /** The listener's share: frame complete (`clock.now()` then) → ACK written. */
  noteAckWritten(frameAt: number): void;
  /** The clock the timings use (performance.now()). */
  readonly clock: () => number;
  /** Stops the event-loop delay monitor. */
  close(): void;
}

interface Job {
  readonly raw: Buffer;
  readonly decision: Decision;
  readonly conn: ConnectionInfo;
  readonly receivedAt: number;
  /** clock.now() when queued. */
  readonly queuedAt: number;
  readonly resolve: (acks: Buffer[]) => void;
  /** A replay: the message it replays, and who hears what was written once it is committed. */
  readonly replay?: { readonly of: number; readonly written: (r: ReplayResult) => void };
}

/** Message types besides ORU acknowledged AA and kept when the configuration names none. */
export const DEFAULT_KEEP_TYPES: readonly string[] = ['ADT'];

let ackSequence = 0;

/** Why an oversized frame was refused. Only its head is kept, so such a message can't be replayed. */
const oversizedReason = (totalBytes: number, limit: number): string =>
  `message of ${totalBytes} bytes exceeds the ${limit}-byte limit`;
export const isOversizedReason = (reason: string | null): boolean =>
  reason !== null && /^message of \d+ bytes exceeds the \d+-byte limit$/.test(reason);

/**
 * A frame whose reading failed inside the node (not the sender's fault): AR, resend later. Its
 * MSH alone is read again here, so the AR names the message it answers (MSA-2).
 */
const unreadable = (frame: Buffer): Decision => ({
  kind: 'reject',
  message: headerOnly(frame),
  code: 'AR',
  issues: [
    {
      segment: 'MSH',
      sequence: 1,
      code: 207,
      message: 'application internal error while reading the message',
    },
  ],
  reason: 'the node could not read the message; resend later',
});

/**
 * The ingest pipeline: frames are parsed as they arrive, queued, and committed in groups, one
 * transaction per group, after which each message's ACK is released in order. AA therefore always
 * means "in the store". A group that fails is retried message by message, so one poison message
 * can't take its neighbours down.
 */
export function createIngest(options: IngestOptions): Ingest {
  const { db, catalog, logger } = options;
  const repo = new IngestRepository(db);
  const now = options.now ?? Date.now;
  const receiver = options.receiver ?? { application: 'VitalMesh', facility: '' };
  const keepTypes = (options.keepTypes ?? DEFAULT_KEEP_TYPES).map((t) => t.toUpperCase());
  const maxBatch = options.maxBatch ?? 1000;
  const counters: IngestCounters = {
    received: 0,
    accepted: 0,
    duplicates: 0,
    rejected: 0,
    observations: 0,
    oversized: 0,
    junkBytes: 0,
    commits: 0,
    lastMessageAt: null,
  };
  const perSecond = new Map<number, number>();
  const clock = new IngestClock();
  let queue: Job[] = [];

  const acksFor = (
    decision: Decision,
    code: AppAckCode,
    text: string,
    issues: Hl7Issue[],
    receivedAt: number,
  ): AckOut[] =>
    buildAcks({
      message: decision.message,
      code,
      text,
      issues,
      receiver,
      now: new Date(receivedAt),
      ackControlId: `VM${receivedAt.toString(36)}${(ackSequence++).toString(36)}`,
    });

  /**
   * Writes one job; returns its ACKs. Runs inside a transaction; a replay's row goes to
   * `replays`, heard only once that transaction commits.
   */
  function write(
    job: Job,
    seen: Set<string>,
    stored: StoredObservations[],
    replays: Map<Job, ReplayResult>,
  ): AckOut[] {
    const { decision, receivedAt, raw, conn } = job;
    const msg = decision.message;
    const sender = msg ? `${msg.get(msg.msh, 3)}|${msg.get(msg.msh, 4)}` : '';
    const controlId = msg?.controlId ?? '';
    const messageType = msg ? `${msg.type}^${msg.trigger}` : '';
    // One literal of one shape per row: spreading a shared base into each made V8 miss its
    // inline caches on every message (a tenth of the node's CPU in a perf profile).
    const row = (
      outcome: MessageRow['outcome'],
      ackCode: string,
      reason: string | null,
      observationCount: number,
      acks: AckOut[],
      patientId: number | null = null,
    ): MessageRow => ({
      receivedAt,
      sender,
      controlId,
      messageType,
      outcome,
      ackCode,
      reason,
      observationCount,
      remote: conn.remote,
      raw,
      ack: acks.length === 1 ? (acks[0] as AckOut).text : acks.map((a) => a.text).join('\n'),
      patientId,
      replayOf: job.replay?.of ?? null,
    });
    const insert = (r: MessageRow): number => {
      const id = repo.insertMessage(r);
      if (job.replay)
        replays.set(job, {
          messageId: id,
          outcome: r.outcome,
          ackCode: r.ackCode,
          reason: r.reason,
          observationCount: r.observationCount,
        });
      return id;
    };
    if (decision.kind === 'reject') {
      const acks = acksFor(decision, decision.code, decision.reason, decision.issues, receivedAt);
      const id = insert(row('rejected', decision.code, decision.reason, 0, acks));
      counters.rejected++;
      // A replay is audited by the call that asked for it (ingest.replay), with its outcome.
      if (!job.replay)
        options.onAudit?.({
          actor: `mllp:${conn.remote}`,
          host: 'mllp',
          remoteAddress: conn.remote,
          action: 'ingest.hl7.reject',
          target: `hl7_message:${id}`,
          outcome: decision.code,
          // Locations and codes only: the reason texts stay with the message, not in the audit.
          details: {
            connection: conn.id,
            errors: decision.issues.map((i) => `${i.segment}-${i.field ?? ''}:${i.code}`),
          },
        });
      return acks;
    }
    const key = `${sender}\u0000${controlId}`;
    if (seen.has(key) || repo.findAccepted(sender, controlId) !== undefined) {
      const acks = acksFor(
        decision,
        'AA',
        'duplicate of a message already accepted; not stored again',
        [],
        receivedAt,
      );
      insert(row('duplicate', 'AA', null, 0, acks));
      counters.duplicates++;
      return acks;
    }
    seen.add(key);
    const count = decision.kind === 'store' ? decision.observationCount : 0;
    const acks = acksFor(
      decision,
      'AA',
      decision.kind === 'store' ? `stored ${count} observations` : 'kept',
      [],
      receivedAt,
    );
    // Patients first, so the message row is written once, naming its (last) patient.
    const matched =
      decision.kind === 'store' ? decision.results.map((r) => repo.matchPatient(r.patient, receivedAt)) : [];
    const messageId = insert(row('accepted', 'AA', null, count, acks, matched.at(-1)?.id ?? null));
    counters.accepted++;
    if (decision.kind === 'store') {
      const devices = new Map<string, number>();
      decision.results.forEach((result, r) => {
        const match = matched[r] as { id: number; conflicts: PatientConflict[] };
        const patientId = match.id;
        repo.recordConflicts(match.conflicts, messageId, receivedAt);
        const ids = { patientId, deviceId: null as number | null, messageId, receivedAt };
        for (const o of result.observations) {
          ids.deviceId = null;
          if (o.device) {
            ids.deviceId =
              devices.get(o.device.identifier) ??
              repo.upsertDevice(o.device.identifier, o.device.kind, receivedAt);
            devices.set(o.device.identifier, ids.deviceId);
          }
          repo.insertObservation(o, ids);
        }
        // Built only for a live observer (the node has one; tests and benchmarks may not).
        if (options.onStored)
          stored.push({
            patientId,
            messageId,
            connectionId: conn.id,
            receivedAt,
            observations: result.observations.map((o) => ({
              code: o.code,
              valueNum: o.valueNum,
              unit: o.unit,
              observedAt: o.observedAt,
              deviceIdentifier: o.device?.identifier,
            })),
          });
      });
      counters.observations += count;
    }
    return acks;
  }

  const framed = (acks: AckOut[]) => acks.map((a) => mllpFrame(a.text));

  function commit(jobs: Job[]): void {
    const stored: StoredObservations[] = [];
    const results: AckOut[][] = [];
    const replays = new Map<Job, ReplayResult>();
    const before = { ...counters };
    const startedAt = clock.now();
    for (const job of jobs) clock.queue.add(startedAt - job.queuedAt);
    try {
      try {
        db.transaction(() => {
          const seen = new Set<string>();
          for (const job of jobs) results.push(write(job, seen, stored, replays));
        })();
      } catch (error) {
        repo.rolledBack();
        throw error;
      }
      repo.committed();
      counters.commits++;
      clock.committed(jobs.length, clock.now() - startedAt);
    } catch (error) {
      // The transaction rolled back: so do the counts it made.
      Object.assign(counters, before);
      if (jobs.length > 1) {
        // Isolate the failing message: commit the others one by one.
        logger.warn({ err: error, batch: jobs.length }, 'group commit failed; retrying one by one');
        for (const job of jobs) commit([job]);
        return;
      }
      const job = jobs[0] as Job;
      logger.error({ err: error, connection: job.conn.id }, 'could not store an HL7 message');
      counters.rejected++;
      // AR: not processed for a reason unrelated to its content; the sender should resend.
      const reason = 'the node could not store the message; resend later';
      const acks = acksFor(
        job.decision,
        'AR',
        reason,
        [{ segment: 'MSH', sequence: 1, code: 207, message: 'application internal error while storing' }],
        job.receivedAt,
      );
      job.replay?.written({
        messageId: null,
        outcome: 'rejected',
        ackCode: 'AR',
        reason,
        observationCount: 0,
      });
      job.resolve(framed(acks));
      return;
    }
    for (const [job, written] of replays) job.replay?.written(written);
    jobs.forEach((job, i) => job.resolve(framed(results[i] ?? [])));
    if (stored.length > 0 && options.onStored) {
      try {
        options.onStored(stored);
      } catch (error) {
        logger.error({ err: error }, 'live observers failed');
      }
    }
  }

  function commitQueued(): void {
    while (queue.length > 0) {
      const batch = queue.length <= maxBatch ? queue : queue.slice(0, maxBatch);
      queue = queue.length <= maxBatch ? [] : queue.slice(maxBatch);
      commit(batch);
    }
  }
  const groups = new GroupCommit({
    queued: () => queue.length,
    commit: commitQueued,
    clock: clock.now,
    maxBatch,
    maxWaitMs: options.maxGroupWaitMs ?? 10,
  });

  /** Decides on this thread; a frame the reader fails on is answered AR, resend later. */
  function decideHere(frame: Buffer, receivedAt: number, context: object): Decision {
    try {
      return decide(frame, { catalog, keepTypes }, receivedAt);
    } catch (error) {
      logger.error({ err: error, ...context }, 'HL7 message could not be read');
      return unreadable(frame);
    }
  }

  function enqueue(
    raw: Buffer,
    decision: Decision,
    conn: ConnectionInfo,
    receivedAt: number,
    replay?: Job['replay'],
  ): Promise<Buffer[]> {
    counters.received++;
    counters.lastMessageAt = receivedAt;
    const second = Math.floor(receivedAt / 1000);
    perSecond.set(second, (perSecond.get(second) ?? 0) + 1);
    if (perSecond.size > 20) for (const k of perSecond.keys()) if (k < second - 15) perSecond.delete(k);
    return new Promise((resolve) => {
      queue.push({ raw, decision, conn, receivedAt, queuedAt: clock.now(), resolve, replay });
      groups.queued();
    });
  }

  return {
    receive(payload, conn) {
      const receivedAt = now();
      const parseStart = clock.now();
      const decided = (decision: Decision) => {
        clock.parse.add(clock.now() - parseStart);
        return enqueue(payload, decision, conn, receivedAt);
      };
      if (options.decider) {
        return options.decider.decide(payload, receivedAt).then(decided, (error: unknown) => {
          logger.error({ err: error, connection: conn.id }, 'HL7 message could not be read');
          return decided(unreadable(payload));
        });
      }
      return decided(decideHere(payload, receivedAt, { connection: conn.id }));
    },
    replay(raw, replayOf, origin) {
      const receivedAt = now();
      // On this thread: one message at a person's request, not a stream.
      const decision = decideHere(raw, receivedAt, { replayOf });
      return new Promise<ReplayResult>((resolve) => {
        void enqueue(raw, decision, { id: 0, remote: origin }, receivedAt, {
          of: replayOf,
          written: resolve,
        });
      });
    },
    receiveOversized(head, totalBytes, limit, conn) {
      counters.oversized++;
      const receivedAt = now();
      let decision: Decision;
      const issue: Hl7Issue = {
        segment: 'MSH',
        sequence: 1,
        code: 207,
        message: oversizedReason(totalBytes, limit),
      };
      try {
        // The head holds MSH, so the AR can name the control id and use the sender's delimiters.
        decision = {
          kind: 'reject',
          message: headerOnly(head),
          code: 'AR',
          issues: [issue],
          reason: issue.message,
        };
      } catch {
        decision = { kind: 'reject', message: undefined, code: 'AR', issues: [issue], reason: issue.message };
      }
      return enqueue(head, decision, conn, receivedAt);
    },
    noteJunk(bytes) {
      counters.junkBytes += bytes;
    },
    counters,
    rate() {
      const second = Math.floor(now() / 1000);
      let sum = 0;
      for (let s = second - 10; s < second; s++) sum += perSecond.get(s) ?? 0;
      return sum / 10;
    },
    flush: () => groups.flush(),
    async drain() {
      await options.decider?.settled();
      // The decisions just back were queued by their promises' continuations: let them run.
      await new Promise((r) => setImmediate(r));
      groups.flush();
    },
    timings: () => clock.read(),
    noteAckWritten: (frameAt) => clock.inNode.add(clock.now() - frameAt),
    clock: clock.now,
    close: () => clock.close(),
  };
}
