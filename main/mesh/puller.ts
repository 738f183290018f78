import type * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';
import { batchHash } from './batch';
import { COLUMNAR, ColumnarError, checkColumnar, decodeColumnar, isColumnar } from './columnar';
import { describeGrpcError, meshClient, pullStream, unary } from './client';
import type { AuditAppend, MeshIdentity } from './identity';
import type { PeerStore } from './peers';
import { batchSchema, catalogSchema, healthSchema, type WireBatch, type WireCatalog } from './proto';

export interface PullResult {
  readonly ok: boolean;
  readonly batches: number;
  readonly rows: number;
  readonly cursor: string;
  /** Why the pull stopped early (status and reason), when it did. */
  readonly error?: string;
}

export interface Subscription {
  readonly peerFacilityId: string;
  readonly productId: string;
  readonly cursor: string;
  readonly batchesReceived: number;
  readonly rowsReceived: number;
  readonly createdAt: number;
  readonly lastPullAt: number | null;
  readonly lastSuccessAt: number | null;
  readonly lastBatchAt: number | null;
  readonly lastError: string | null;
  readonly failures: number;
  readonly columns: string[];
}

type SubRow = {
  peer_facility_id: string;
  product_id: string;
  cursor: string;
  batches_received: number;
  rows_received: number;
  created_at: number;
  last_pull_at: number | null;
  last_success_at: number | null;
  last_batch_at: number | null;
  last_error: string | null;
  failures: number;
  columns: string;
};

const toSub = (r: SubRow): Subscription => ({
  peerFacilityId: r.peer_facility_id,
  productId: r.product_id,
  cursor: r.cursor,
  batchesReceived: r.batches_received,
  rowsReceived: r.rows_received,
  createdAt: r.created_at,
  lastPullAt: r.last_pull_at,
  lastSuccessAt: r.last_success_at,
  lastBatchAt: r.last_batch_at,
  lastError: r.last_error,
  failures: r.failures,
  columns: JSON.parse(r.columns) as string[],
});

/** A stored batch's rows, as they arrived: JSON, or columnar-v1 (told apart by its first bytes). */
export function storedRows(blob: Buffer): unknown[][] {
  return isColumnar(blob)
    ? decodeColumnar(blob, blob.readUInt16LE(8)) // its own width, checked on arrival
    : (JSON.parse(blob.toString('utf8')) as unknown[][]);
}

export class BatchRefused extends Error {
  override name = 'BatchRefused';
}

/**
 * The receiving side: subscriptions to peers' products and the pulls that fill them. A batch is
 * checked (schema, hash, that it starts at our cursor) and stored in the same transaction that
 * moves the cursor, so a cut link or a crash resumes at the last committed batch: nothing lost,
 * nothing twice. The rows stay in the encrypted store.
 */
export class MeshPuller {
  private readonly clients = new Map<string, grpc.Client>();
  private readonly running = new Map<string, Promise<PullResult>>();
  private readonly calls = new Set<grpc.ClientReadableStream<unknown>>();
  private closed = false;

  constructor(
    private readonly deps: {
      readonly db: Db;
      readonly identity: MeshIdentity;
      readonly peers: PeerStore;
      readonly audit: AuditAppend;
      readonly logger: Logger;
      readonly now?: () => number;
    },
  ) {
    // Trust changed (a peer suspended, removed, re-enrolled; our certificate renewed): new channels.
    deps.peers.onChange(() => this.dropClients());
    deps.identity.onChange(() => this.dropClients());
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  private client(peerFacilityId: string): grpc.Client {
    const peer = this.deps.peers.require(peerFacilityId);
    if (peer.status !== 'active') throw new BatchRefused(`peer ${peerFacilityId} is ${peer.status}`);
    let c = this.clients.get(peerFacilityId);
    if (!c) this.clients.set(peerFacilityId, (c = meshClient(peer, this.deps.identity.current())));
    return c;
  }

  dropClients(): void {
    for (const c of this.clients.values()) c.close();
    this.clients.clear();
  }

  /** Cancels running pulls and waits for them: each keeps the batches it committed. */
  async close(): Promise<void> {
    this.closed = true;
    for (const call of this.calls) call.cancel();
    await Promise.allSettled([...this.running.values()]);
    this.dropClients();
  }

  async health(peerFacilityId: string): Promise<{ facilityId: string; version: string; timeMs: number }> {
    return healthSchema.parse(await unary(this.client(peerFacilityId), 'Health', {}));
  }

  async catalog(peerFacilityId: string): Promise<WireCatalog['products']> {
    const res = catalogSchema.parse(await unary(this.client(peerFacilityId), 'GetCatalog', {}));
    return res.products;
  }

  subscribe(peerFacilityId: string, productId: string): Subscription {
    this.deps.peers.require(peerFacilityId);
    this.deps.db
      .prepare(
        `INSERT OR IGNORE INTO mesh_subscriptions (peer_facility_id, product_id, created_at) VALUES (?, ?, ?)`,
      )
      .run(peerFacilityId, productId, this.now());
    return this.subscription(peerFacilityId, productId)!;
  }

  unsubscribe(peerFacilityId: string, productId: string): void {
    this.deps.db
      .prepare('DELETE FROM mesh_subscriptions WHERE peer_facility_id = ? AND product_id = ?')
      .run(peerFacilityId, productId);
  }

  subscriptions(): Subscription[] {
    return (
      this.deps.db
        .prepare('SELECT * FROM mesh_subscriptions ORDER BY peer_facility_id, product_id')
        .all() as SubRow[]
    ).map(toSub);
  }

  subscription(peerFacilityId: string, productId: string): Subscription | undefined {
    const r = this.deps.db
      .prepare('SELECT * FROM mesh_subscriptions WHERE peer_facility_id = ? AND product_id = ?')
      .get(peerFacilityId, productId) as SubRow | undefined;
    return r && toSub(r);
  }

  /** Received rows of a subscription, in received order (for the screen and the tests). */
  rows(peerFacilityId: string, productId: string, limit = 1_000_000): unknown[][] {
    const out: unknown[][] = [];
    const it = this.deps.db
      .prepare(
        `SELECT rows_json FROM mesh_received_batches WHERE peer_facility_id = ? AND product_id = ? ORDER BY id`,
      )
      .iterate(peerFacilityId, productId) as Iterable<{ rows_json: Buffer }>;
    for (const b of it) {
      for (const r of storedRows(b.rows_json)) {
        if (out.length >= limit) return out;
        out.push(r);
      }
    }
    return out;
  }

  /** One pull of one subscription; concurrent requests for the same one share it. */
  pull(peerFacilityId: string, productId: string, maxBatches = 0): Promise<PullResult> {
    const key = `${peerFacilityId}\u0000${productId}`;
    let p = this.running.get(key);
    if (this.closed)
      return Promise.resolve({ ok: false, batches: 0, rows: 0, cursor: '', error: 'the node is closing' });
    if (!p) {
      p = this.run(peerFacilityId, productId, maxBatches).finally(() => this.running.delete(key));
      this.running.set(key, p);
    }
    return p;
  }

  private async run(peerFacilityId: string, productId: string, maxBatches: number): Promise<PullResult> {
    const sub = this.subscription(peerFacilityId, productId) ?? this.subscribe(peerFacilityId, productId);
    let cursor = sub.cursor;
    let batches = 0;
    let rows = 0;
    this.deps.db
      .prepare('UPDATE mesh_subscriptions SET last_pull_at = ? WHERE peer_facility_id = ? AND product_id = ?')
      .run(this.now(), peerFacilityId, productId);
    try {
      const call = pullStream(this.client(peerFacilityId), {
        productId,
        cursor,
        maxBatches,
        accept: [COLUMNAR],
      });
      this.calls.add(call);
      try {
        for await (const message of call) {
          const batch = this.check(message, productId, cursor);
          this.commit(peerFacilityId, batch);
          cursor = batch.cursorTo;
          batches++;
          rows += batch.rowCount;
        }
      } catch (error) {
        call.cancel();
        throw error;
      } finally {
        this.calls.delete(call);
      }
      this.deps.db
        .prepare(
          `UPDATE mesh_subscriptions SET last_success_at = ?, last_error = NULL, failures = 0
           WHERE peer_facility_id = ? AND product_id = ?`,
        )
        .run(this.now(), peerFacilityId, productId);
      if (batches > 0) {
        await unary(this.client(peerFacilityId), 'Ack', { productId, cursor, rows }).catch((e: unknown) =>
          this.deps.logger.warn({ err: e, peerFacilityId }, 'mesh ack failed'),
        );
      }
      this.deps.peers.noteContact(peerFacilityId, `pulled ${productId}: ${batches} batches`);
      this.audit('mesh.pull', peerFacilityId, 'ok', { productId, batches, rows, cursor });
      return { ok: true, batches, rows, cursor };
    } catch (error) {
      const reason = error instanceof BatchRefused ? error.message : describeGrpcError(error);
      // A fresh channel next time: one that saw the peer go away would sit in its reconnect backoff.
      this.clients.get(peerFacilityId)?.close();
      this.clients.delete(peerFacilityId);
      this.deps.db
        .prepare(
          `UPDATE mesh_subscriptions SET last_error = ?, failures = failures + 1
           WHERE peer_facility_id = ? AND product_id = ?`,
        )
        .run(reason.slice(0, 500), peerFacilityId, productId);
      this.audit('mesh.pull', peerFacilityId, 'failed', { productId, reason, batches, rows, cursor });
      return { ok: false, batches, rows, cursor, error: reason };
    }
  }

  /** Refuses anything but the next batch of this product, intact. */
  private check(message: unknown, productId: string, cursor: string): WireBatch {
    const parsed = batchSchema.safeParse(message);
    if (!parsed.success) throw new BatchRefused(`malformed batch: ${parsed.error.issues[0]?.message}`);
    const b = parsed.data;
    if (b.productId !== productId) throw new BatchRefused(`batch of ${b.productId}, asked for ${productId}`);
    if (b.cursorFrom !== cursor) {
      throw new BatchRefused(
        `batch starts at cursor "${b.cursorFrom.slice(0, 40)}", expected "${cursor.slice(0, 40)}"`,
      );
    }
    if (!batchHash(b).equals(b.sha256)) {
      throw new BatchRefused(
        `batch hash mismatch (${b.sha256.toString('hex').slice(0, 16)}…): refused, nothing stored`,
      );
    }
    const held = this.rowCount(b);
    if (held !== b.rowCount)
      throw new BatchRefused(`batch says ${b.rowCount} rows but holds ${held ?? 'none'}`);
    return b;
  }

  /** How many well-formed rows a batch holds in its encoding (undefined: not an array of rows). */
  private rowCount(b: WireBatch): number | undefined {
    if (b.encoding === COLUMNAR) {
      try {
        return checkColumnar(b.rows, b.columns.length);
      } catch (error) {
        if (error instanceof ColumnarError)
          throw new BatchRefused(`batch rows are not columnar-v1: ${error.message}`);
        throw error;
      }
    }
    if (isColumnar(b.rows)) throw new BatchRefused('batch rows are columnar-v1 but the batch says JSON');
    let rows: unknown;
    try {
      rows = JSON.parse(b.rows.toString('utf8'));
    } catch {
      throw new BatchRefused('batch rows are not JSON');
    }
    return Array.isArray(rows) ? rows.length : undefined;
  }

  private commit(peerFacilityId: string, b: WireBatch): void {
    const now = this.now();
    this.deps.db.transaction(() => {
      this.deps.db
        .prepare(
          `INSERT INTO mesh_received_batches (peer_facility_id, product_id, product_version, cursor_from, cursor_to,
             row_count, sha256, rows_json, agreement_id, agreement_version, received_at)
           VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
        )
        .run(
          peerFacilityId,
          b.productId,
          String(b.productVersion),
          b.cursorFrom,
          b.cursorTo,
          b.rowCount,
          b.sha256,
          b.rows,
          b.agreementId,
          b.agreementVersion,
          now,
        );
      // Only here does the cursor move: the batch and the cursor commit together.
      const moved = this.deps.db
        .prepare(
          `UPDATE mesh_subscriptions SET cursor = ?, batches_received = batches_received + 1,
             rows_received = rows_received + ?, last_batch_at = ?, columns = ?
           WHERE peer_facility_id = ? AND product_id = ? AND cursor = ?`,
        )
        .run(
          b.cursorTo,
          b.rowCount,
          now,
          JSON.stringify(b.columns),
          peerFacilityId,
          b.productId,
          b.cursorFrom,
        );
      if (moved.changes !== 1) throw new BatchRefused('the subscription moved while the batch arrived');
      this.audit('mesh.batch.received', peerFacilityId, 'ok', {
        productId: b.productId,
        productVersion: b.productVersion,
        agreement: `${b.agreementId}@${b.agreementVersion}`,
        rows: b.rowCount,
        cursorFrom: b.cursorFrom,
        cursorTo: b.cursorTo,
        sha256: b.sha256.toString('hex'),
      });
    })();
  }

  private audit(action: string, facilityId: string, outcome: string, details: Record<string, unknown>): void {
    this.deps.audit({
      actor: 'system',
      host: 'mesh',
      action,
      target: `facility:${facilityId}`,
      outcome,
      details,
    });
  }
}
