import { z } from 'zod';
import { method } from './define';

export const HL7_OUTCOMES = ['accepted', 'duplicate', 'rejected'] as const;

const percentiles = z.object({ p50: z.number(), p99: z.number(), max: z.number() });

export const ingestStatus = z.object({
  listener: z.object({
    enabled: z.boolean(),
    host: z.string().nullable(),
    port: z.number().int().nullable(),
    tls: z.boolean(),
    maxFrameBytes: z.number().int().nullable(),
  }),
  connections: z.array(
    z.object({
      id: z.number().int(),
      remote: z.string(),
      since: z.string(),
      messages: z.number().int(),
      lastMessageAt: z.string().nullable(),
      tls: z.boolean(),
      peer: z.string().nullable(),
    }),
  ),
  /** Since this node started. */
  counters: z.object({
    received: z.number().int(),
    accepted: z.number().int(),
    duplicates: z.number().int(),
    rejected: z.number().int(),
    observations: z.number().int(),
    oversized: z.number().int(),
    junkBytes: z.number().int(),
    commits: z.number().int(),
  }),
  messagesPerSecond: z.number(),
  /**
   * The threads that parse and map frames beside the store's (main/ingest/hl7/decide-pool.ts);
   * threads 0 means on the store's own thread. A restart is a worker that stopped unasked: the
   * frames it held were answered AR, "resend later".
   */
  reading: z.object({
    threads: z.number().int(),
    running: z.number().int(),
    restarts: z.number().int(),
    lastExitAt: z.string().nullable(),
  }),
  /**
   * Where recent messages spent their time in the node, in ms (main/ingest/hl7/timings.ts):
   * parse, queue before the group commit, the commit, frame → ACK written; and the event loop's
   * delay since the last read. Absent when the listener is off.
   */
  timings: z
    .object({
      samples: z.number().int(),
      parseMs: percentiles,
      queueMs: percentiles,
      commitMs: percentiles,
      inNodeMs: percentiles,
      messagesPerCommit: z.number(),
      eventLoopDelayMs: percentiles,
    })
    .optional(),
  lastMessageAt: z.string().nullable(),
  /** All messages kept in the store, by outcome. */
  totals: z.object({ accepted: z.number().int(), duplicate: z.number().int(), rejected: z.number().int() }),
  /** Devices by when they were last heard from (most recent first). */
  devices: z.array(z.object({ identifier: z.string(), kind: z.string().nullable(), lastSeenAt: z.string() })),
});
export type IngestStatus = z.infer<typeof ingestStatus>;

export const hl7MessageView = z.object({
  id: z.number().int(),
  receivedAt: z.string(),
  sender: z.string(),
  controlId: z.string(),
  messageType: z.string(),
  outcome: z.enum(HL7_OUTCOMES),
  ackCode: z.string(),
  reason: z.string().nullable(),
  observationCount: z.number().int(),
  remote: z.string().nullable(),
  ack: z.string(),
  /** The message as received; patient fields masked unless the role may see PHI. */
  raw: z.string(),
  rawRedacted: z.boolean(),
  /** The kept message this one replays (ingest.replay); null for what arrived by MLLP. */
  replayOf: z.number().int().nullable(),
  /** The latest replay of this message, and what it became; null if never replayed. */
  replayedAs: z.object({ id: z.number().int(), outcome: z.enum(HL7_OUTCOMES) }).nullable(),
});
export type Hl7MessageView = z.infer<typeof hl7MessageView>;

export const replayResult = z.object({
  /** The row the replay wrote; null when the store refused it (AR, try again). */
  messageId: z.number().int().nullable(),
  outcome: z.enum(HL7_OUTCOMES),
  ackCode: z.string(),
  reason: z.string().nullable(),
  observationCount: z.number().int(),
});
export type ReplayResult = z.infer<typeof replayResult>;

export const ingestMethods = {
  'ingest.status': method(
    'The HL7 v2 listener: connections, counters, messages per second, devices last heard from.',
    z.object({}).strict(),
    ingestStatus,
  ),
  'ingest.messages': method(
    'Raw HL7 v2 messages with their ACK, newest first; filter by outcome (rejected = the quarantine).',
    z
      .object({
        outcome: z.enum(HL7_OUTCOMES).optional(),
        before: z.number().int().positive().optional(),
        limit: z.number().int().min(1).max(500).default(50),
      })
      .strict(),
    z.object({ messages: z.array(hl7MessageView), nextBefore: z.number().int().nullable() }),
  ),
  'ingest.replay': method(
    'Runs a rejected message from the quarantine through the ingest again, with the settings and codes of now; the result is a new kept message.',
    z.object({ id: z.number().int().positive() }).strict(),
    replayResult,
  ),
} as const;
