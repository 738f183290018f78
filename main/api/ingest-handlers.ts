import type { Hl7MessageView, IngestStatus } from '../../shared/api/ingest';
import { ApiError } from '../../shared/api/errors';
import { mayReadPhi } from '../../shared/permissions';
import { NO_DECIDE_WORKERS } from '../ingest/hl7/decide-pool';
import { decodeFrame } from '../ingest/hl7/parse';
import { isOversizedReason } from '../ingest/hl7/pipeline';
import { redactHl7 } from '../ingest/hl7/redact';
import type { Hl7IngestService } from '../ingest/hl7/service';
import type { Db } from '../store/database';
import type { Handlers } from './dispatcher';

export interface IngestHandlerDeps {
  readonly db: Db;
  /** Undefined when the listener is switched off (mllpEnabled false). */
  readonly hl7: Hl7IngestService | undefined;
}

/** Hot queries, named so a test holds them to their index. */
const MESSAGE_COLUMNS = `id, received_at, sender, control_id, message_type, outcome, ack_code, reason,
  observation_count, remote, raw, ack, replay_of,
  (SELECT r.id || ' ' || r.outcome FROM hl7_messages r WHERE r.replay_of = m.id ORDER BY r.id DESC LIMIT 1)
    AS replayed_as`;
export const MESSAGES_BY_OUTCOME_SQL = `SELECT ${MESSAGE_COLUMNS} FROM hl7_messages m
  WHERE outcome = ? AND id < ? ORDER BY id DESC LIMIT ?`;
export const MESSAGES_SQL = `SELECT ${MESSAGE_COLUMNS} FROM hl7_messages m WHERE id < ? ORDER BY id DESC LIMIT ?`;
const KEPT_MESSAGE_SQL = 'SELECT id, outcome, control_id, reason, raw FROM hl7_messages WHERE id = ?';
const COUNT_BY_OUTCOME_SQL = 'SELECT outcome, count(*) AS n FROM hl7_messages GROUP BY outcome';
const DEVICES_SQL = 'SELECT identifier, kind, last_seen_at FROM devices ORDER BY last_seen_at DESC LIMIT 100';

interface MessageRow {
  id: number;
  received_at: number;
  sender: string;
  control_id: string;
  message_type: string;
  outcome: Hl7MessageView['outcome'];
  ack_code: string;
  reason: string | null;
  observation_count: number;
  remote: string | null;
  raw: Buffer;
  ack: string;
  replay_of: number | null;
  /** "<id> <outcome>" of the latest replay, or null. */
  replayed_as: string | null;
}

const replayedAs = (v: string | null): Hl7MessageView['replayedAs'] => {
  if (v === null) return null;
  const [id, outcome] = v.split(' ');
  return { id: Number(id), outcome: outcome as Hl7MessageView['outcome'] };
};

const iso = (ms: number | null) => (ms === null ? null : new Date(ms).toISOString());

/** The raw message as stored, decoded per its MSH-18 (Latin-1 when it can't be read at all). */
function rawText(raw: Buffer): string {
  try {
    return decodeFrame(raw).text;
  } catch {
    return raw.toString('latin1');
  }
}

/**
 * ingest.status and ingest.messages: what facility IT needs to run the bedside-device interface.
 * Raw messages reach a role that may not read PHI only with the patient masked (ingest/hl7/redact).
 */
export function ingestHandlers(
  deps: IngestHandlerDeps,
): Pick<Handlers, 'ingest.status' | 'ingest.messages' | 'ingest.replay'> {
  const { db, hl7 } = deps;
  const byOutcome = db.prepare<[string, number, number], MessageRow>(MESSAGES_BY_OUTCOME_SQL);
  const all = db.prepare<[number, number], MessageRow>(MESSAGES_SQL);
  const kept = db.prepare<
    [number],
    { id: number; outcome: Hl7MessageView['outcome']; control_id: string; reason: string | null; raw: Buffer }
  >(KEPT_MESSAGE_SQL);
  const devices = db.prepare<[], { identifier: string; kind: string | null; last_seen_at: number }>(
    DEVICES_SQL,
  );

  // Totals are counted once, then kept current from the ingest's own counters: a GROUP BY over
  // millions of kept messages on every status poll would cost more than the poll is worth.
  let base: {
    totals: IngestStatus['totals'];
    at: { accepted: number; duplicates: number; rejected: number };
  };
  const totals = (): IngestStatus['totals'] => {
    const c = hl7?.ingest.counters ?? { accepted: 0, duplicates: 0, rejected: 0 };
    if (!base) {
      const t = { accepted: 0, duplicate: 0, rejected: 0 };
      for (const row of db.prepare(COUNT_BY_OUTCOME_SQL).all() as { outcome: keyof typeof t; n: number }[])
        t[row.outcome] = row.n;
      base = { totals: t, at: { accepted: c.accepted, duplicates: c.duplicates, rejected: c.rejected } };
    }
    return {
      accepted: base.totals.accepted + c.accepted - base.at.accepted,
      duplicate: base.totals.duplicate + c.duplicates - base.at.duplicates,
      rejected: base.totals.rejected + c.rejected - base.at.rejected,
    };
  };

  const reading = (): IngestStatus['reading'] => {
    const r = hl7?.reading() ?? NO_DECIDE_WORKERS;
    return { ...r, lastExitAt: iso(r.lastExitAt) };
  };

  return {
    'ingest.status': (_input, ctx) => {
      ctx.audit.target = 'hl7-listener';
      const counters = hl7?.ingest.counters;
      return {
        listener: {
          enabled: hl7 !== undefined,
          host: hl7?.listener.host ?? null,
          port: hl7?.listener.port ?? null,
          tls: hl7?.listener.tls ?? false,
          maxFrameBytes: hl7?.maxFrameBytes ?? null,
        },
        connections: (hl7?.connections() ?? []).map((c) => ({
          id: c.id,
          remote: c.remote,
          since: new Date(c.since).toISOString(),
          messages: c.messages,
          lastMessageAt: iso(c.lastMessageAt),
          tls: c.tls,
          peer: c.peer,
        })),
        counters: {
          received: counters?.received ?? 0,
          accepted: counters?.accepted ?? 0,
          duplicates: counters?.duplicates ?? 0,
          rejected: counters?.rejected ?? 0,
          observations: counters?.observations ?? 0,
          oversized: counters?.oversized ?? 0,
          junkBytes: counters?.junkBytes ?? 0,
          commits: counters?.commits ?? 0,
        },
        messagesPerSecond: hl7?.ingest.rate() ?? 0,
        reading: reading(),
        ...(hl7 ? { timings: hl7.ingest.timings() } : {}),
        lastMessageAt: iso(counters?.lastMessageAt ?? null),
        totals: totals(),
        devices: devices.all().map((d) => ({
          identifier: d.identifier,
          kind: d.kind,
          lastSeenAt: new Date(d.last_seen_at).toISOString(),
        })),
      };
    },

    'ingest.messages': ({ outcome, before, limit }, ctx) => {
      const phi = mayReadPhi(ctx.principal?.role);
      const cursor = before ?? Number.MAX_SAFE_INTEGER;
      const rows = outcome ? byOutcome.all(outcome, cursor, limit + 1) : all.all(cursor, limit + 1);
      const page = rows.slice(0, limit);
      ctx.audit.target = outcome ? `hl7-messages:${outcome}` : 'hl7-messages';
      // Ids only: which kept messages this caller was shown, and whether in the clear.
      ctx.audit.details = { count: page.length, redacted: !phi, first: page[0]?.id, last: page.at(-1)?.id };
      return {
        messages: page.map((r) => ({
          id: r.id,
          receivedAt: new Date(r.received_at).toISOString(),
          sender: r.sender,
          controlId: r.control_id,
          messageType: r.message_type,
          outcome: r.outcome,
          ackCode: r.ack_code,
          reason: r.reason,
          observationCount: r.observation_count,
          remote: r.remote,
          ack: r.ack,
          raw: phi ? rawText(r.raw) : redactHl7(r.raw),
          rawRedacted: !phi,
          replayOf: r.replay_of,
          replayedAs: replayedAs(r.replayed_as),
        })),
        nextBefore: rows.length > limit ? (page.at(-1)?.id ?? null) : null,
      };
    },

    'ingest.replay': async ({ id }, ctx) => {
      ctx.audit.target = `hl7_message:${id}`;
      const message = kept.get(id);
      if (!message) throw new ApiError('not_found', `there is no kept HL7 message ${id}`);
      // An accepted message is in the store already; replaying it could only make a duplicate.
      if (message.outcome !== 'rejected')
        throw new ApiError(
          'conflict',
          `HL7 message ${id} (${message.control_id || 'no control id'}) was ${message.outcome}, not rejected; only the quarantine is replayed`,
        );
      if (isOversizedReason(message.reason))
        throw new ApiError(
          'conflict',
          `HL7 message ${id} was refused for its size and only its head was kept, so it can't be replayed; raise mllpMaxFrameBytes and have the sender send it again`,
        );
      if (!hl7)
        throw new ApiError(
          'unavailable',
          'the HL7 ingest is switched off (mllpEnabled: false); start it to replay messages',
        );
      const result = await hl7.ingest.replay(
        message.raw,
        id,
        `replay by ${ctx.principal?.username ?? 'unknown'}`,
      );
      ctx.audit.details = {
        replayedAs: result.messageId,
        outcome: result.outcome,
        ackCode: result.ackCode,
      };
      return result;
    },
  };
}
