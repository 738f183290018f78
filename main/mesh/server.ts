import * as grpc from '@grpc/grpc-js';
import type { Logger } from '../log/logger';
import type { AuditAppend, MeshIdentity } from './identity';
import type { Peer, PeerStore } from './peers';
import { KEEPALIVE_OPTIONS, ackRequestSchema, meshService, pullRequestSchema } from './proto';
import { MeshSender, encodingFor, isRefusal, sameTerms } from './sender';
import { MeshTrustProvider, checkCaller } from './trust';

export interface MeshServerDeps {
  readonly identity: MeshIdentity;
  readonly peers: PeerStore;
  readonly sender: MeshSender;
  readonly audit: AuditAppend;
  readonly logger: Logger;
  readonly version: string;
  readonly onAck?: (peer: Peer, productId: string, cursor: string) => void;
}

type AnyCall = grpc.ServerUnaryCall<unknown, unknown> | grpc.ServerWritableStream<unknown, unknown>;

interface OpenStream {
  readonly peerFacilityId: string;
  agreementId: string;
  stop(code: grpc.status, reason: string): void;
}

/**
 * The mesh listener: gRPC over mutual TLS on its own port. TLS accepts only client certificates
 * chaining to an active peer's CA (pushed at run time by MeshTrustProvider); every call then
 * re-checks the caller against the peer store and audits the outcome. Streams watch revocation
 * and peer changes and end at once, with the reason as status details.
 */
export class MeshServer {
  private readonly server = new grpc.Server({ ...KEEPALIVE_OPTIONS });
  private readonly trust: MeshTrustProvider;
  private readonly streams = new Set<OpenStream>();
  private readonly unsubscribe: (() => void)[] = [];
  private boundPort = 0;

  constructor(private readonly deps: MeshServerDeps) {
    const snapshot = deps.identity.current();
    this.trust = new MeshTrustProvider(snapshot, deps.peers.list());
    this.unsubscribe.push(
      deps.identity.onChange((s) => {
        this.trust.setIdentity(s);
        this.trust.setTrusted(s, deps.peers.list());
      }),
      deps.peers.onChange(() => this.peersChanged()),
    );
    this.server.addService(meshService, {
      Health: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        this.unary(call, cb, 'Health', () => ({
          facilityId: snapshot.facilityId,
          version: deps.version,
          timeMs: Date.now(),
        })),
      GetCatalog: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        this.unary(call, cb, 'GetCatalog', (peer) => ({ products: deps.sender.catalogFor(peer.facilityId) })),
      Ack: (call: grpc.ServerUnaryCall<unknown, unknown>, cb: grpc.sendUnaryData<unknown>) =>
        this.unary(call, cb, 'Ack', (peer) => {
          const ack = ackRequestSchema.parse(call.request);
          deps.onAck?.(peer, ack.productId, ack.cursor);
          return {};
        }),
      Pull: (call: grpc.ServerWritableStream<unknown, unknown>) => void this.pull(call),
    });
  }

  get port(): number {
    return this.boundPort;
  }

  async listen(host: string, port: number): Promise<number> {
    const creds = grpc.experimental.createCertificateProviderServerCredentials(this.trust, this.trust, true);
    this.boundPort = await new Promise<number>((resolve, reject) =>
      this.server.bindAsync(`${host}:${port}`, creds, (error, bound) =>
        error ? reject(error) : resolve(bound),
      ),
    );
    // grpc-js takes the providers' first values while it registers its watcher and drops them
    // (1.14.7): push them again now that it listens, or the first handshakes find no certificate.
    this.trust.setIdentity(this.deps.identity.current());
    this.trust.setTrusted(this.deps.identity.current(), this.deps.peers.list());
    this.auditHandshakeFailures();
    return this.boundPort;
  }

  async close(): Promise<void> {
    for (const u of this.unsubscribe) u();
    for (const s of this.streams) s.stop(grpc.status.UNAVAILABLE, 'the sending node is shutting down');
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => {
        this.server.forceShutdown();
        resolve();
      }, 2000);
      this.server.tryShutdown(() => {
        clearTimeout(timer);
        resolve();
      });
    });
  }

  /**
   * A connection TLS refuses (no client certificate, one from a CA we don't trust, an expired one)
   * never reaches a handler, so it is audited from the TLS server's own event. grpc-js has no
   * public hook for it: this reads its private map of HTTP/2 servers and does nothing if that
   * changes shape (the per-call refusals are audited regardless).
   */
  private auditHandshakeFailures(): void {
    const servers = (this.server as unknown as { http2Servers?: Map<unknown, unknown> }).http2Servers;
    if (!(servers instanceof Map)) return;
    for (const s of servers.keys()) {
      const emitter = s as {
        on?: (event: string, cb: (e: Error, socket: { remoteAddress?: string }) => void) => void;
      };
      emitter.on?.('tlsClientError', (error, socket) => {
        this.audit(
          'mesh.connection',
          null,
          'refused',
          { rpc: 'TLS handshake', reason: error.message.slice(0, 200) },
          socket.remoteAddress,
        );
      });
    }
  }

  /** An agreement was revoked: its streams end now, not at their next batch. */
  agreementRevoked(agreementId: string): void {
    for (const s of this.streams) {
      if (s.agreementId === agreementId)
        s.stop(grpc.status.PERMISSION_DENIED, `agreement ${agreementId} was revoked`);
    }
  }

  private peersChanged(): void {
    const peers = this.deps.peers.list();
    this.trust.setTrusted(this.deps.identity.current(), peers);
    for (const s of this.streams) {
      const p = peers.find((x) => x.facilityId === s.peerFacilityId);
      if (!p || p.status !== 'active') {
        s.stop(grpc.status.PERMISSION_DENIED, `peer ${s.peerFacilityId} is ${p ? p.status : 'removed'}`);
      }
    }
  }

  /** Checks and audits the caller of any call; undefined when it was refused (and answered). */
  private admit(call: AnyCall, rpc: string): Peer | { refused: string } {
    const check = checkCaller(call.getAuthContext()?.sslPeerCertificate, this.deps.peers);
    const remoteAddress = call.getPeer();
    if (!check.ok) {
      this.audit(
        'mesh.connection',
        check.facilityId,
        'refused',
        { rpc, reason: check.reason },
        remoteAddress,
      );
      return { refused: check.reason };
    }
    this.deps.peers.noteContact(check.peer.facilityId, rpc);
    this.audit('mesh.connection', check.peer.facilityId, 'ok', { rpc }, remoteAddress);
    return check.peer;
  }

  private unary(
    call: grpc.ServerUnaryCall<unknown, unknown>,
    cb: grpc.sendUnaryData<unknown>,
    rpc: string,
    handle: (peer: Peer) => unknown,
  ): void {
    const peer = this.admit(call, rpc);
    if ('refused' in peer) return cb({ code: grpc.status.PERMISSION_DENIED, details: peer.refused });
    try {
      cb(null, handle(peer));
    } catch (error) {
      this.deps.logger.warn({ err: error, rpc }, 'mesh call failed');
      cb({ code: grpc.status.INVALID_ARGUMENT, details: (error as Error).message });
    }
  }

  private async pull(call: grpc.ServerWritableStream<unknown, unknown>): Promise<void> {
    const peer = this.admit(call, 'Pull');
    if ('refused' in peer) {
      call.emit('error', statusError(grpc.status.PERMISSION_DENIED, peer.refused));
      return;
    }
    const parsed = pullRequestSchema.safeParse(call.request);
    if (!parsed.success) {
      return void call.emit(
        'error',
        statusError(grpc.status.INVALID_ARGUMENT, `bad Pull request: ${parsed.error.message}`),
      );
    }
    const { productId, maxBatches } = parsed.data;
    const encoding = encodingFor(parsed.data.accept);
    const sender = this.deps.sender;
    let agreement = sender.authorise(peer.facilityId, productId);
    if (isRefusal(agreement)) {
      this.audit('mesh.pull', peer.facilityId, 'refused', { productId, reason: agreement.reason });
      return void call.emit('error', statusError(grpc.status.PERMISSION_DENIED, agreement.reason));
    }
    let stopped: { code: grpc.status; reason: string } | undefined;
    let cursor = parsed.data.cursor;
    let sent = 0;
    const open: OpenStream = {
      peerFacilityId: peer.facilityId,
      agreementId: agreement.id,
      stop: (code, reason) => {
        if (stopped) return;
        stopped = { code, reason };
        // However it ends early — revoked, expired, peer suspended, shutting down, a failure —
        // the sender audits where the stream stood.
        this.audit('mesh.pull', peer.facilityId, code === grpc.status.CANCELLED ? 'cancelled' : 'stopped', {
          productId,
          reason,
          cursor,
          batches: sent,
        });
        call.emit('error', statusError(code, reason));
      },
    };
    this.streams.add(open);
    call.on('cancelled', () => open.stop(grpc.status.CANCELLED, 'the puller cancelled or the link was cut'));
    try {
      let plan = await sender.plan(agreement, productId, cursor);
      let batches = sender.batches(plan);
      // Rows that arrived after their aggregate bucket was released: audited with the window's
      // first batch (an empty window sends nothing, and the next pull counts them again).
      let late = plan.lateRows;
      // One batch in flight: the next one is made while the previous is on its way, but it is
      // written only after that write completed and the agreement was checked again, so a
      // revocation stops the flow within one batch.
      let inFlight: Promise<void> = Promise.resolve();
      while (!stopped) {
        const next = batches.next();
        await inFlight;
        if (stopped) break;
        // Before every batch: is the agreement still in force, and on the same terms?
        const now = sender.authorise(peer.facilityId, productId);
        if (isRefusal(now)) {
          open.stop(grpc.status.PERMISSION_DENIED, now.reason);
          break;
        }
        if (!sameTerms(now, agreement)) {
          // New terms apply from this batch on: the one made under the old terms is dropped.
          agreement = now;
          open.agreementId = agreement.id;
          plan = await sender.plan(agreement, productId, cursor);
          batches = sender.batches(plan);
          late = plan.lateRows;
          continue;
        }
        if (next.done) {
          // The snapshot is sent: continue over what was stored since (raw grain), or end.
          const more = await sender.continuation(agreement, plan, cursor);
          if (!more) break;
          plan = more;
          batches = sender.batches(plan);
          late = plan.lateRows;
          continue;
        }
        const from = cursor;
        cursor = next.value.cursor;
        if (from === cursor && next.value.rows.length === 0) continue; // nothing new after the cursor
        const wire = sender.toWire(agreement, plan, from, next.value, encoding);
        inFlight = new Promise<void>((resolve, reject) =>
          call.write(wire, (error: Error | null | undefined) => (error ? reject(error) : resolve())),
        );
        sent++;
        this.audit('mesh.batch.sent', peer.facilityId, 'ok', {
          productId,
          productVersion: wire.productVersion,
          agreement: `${agreement.id}@${agreement.version}`,
          rows: wire.rowCount,
          cursorFrom: wire.cursorFrom,
          cursorTo: wire.cursorTo,
          sha256: wire.sha256.toString('hex'),
        });
        if (late > 0) {
          this.audit('mesh.rows.late', peer.facilityId, 'not-shared', {
            productId,
            rows: late,
            before: plan.window?.from,
            reason: 'stored after their aggregate bucket was released to this peer',
          });
          late = 0;
        }
        if (maxBatches > 0 && sent >= maxBatches) break;
      }
      await inFlight;
      if (!stopped) call.end();
    } catch (error) {
      this.deps.logger.warn({ err: error, productId }, 'mesh pull failed');
      open.stop(grpc.status.INTERNAL, `the sender could not produce the batch: ${(error as Error).message}`);
    } finally {
      this.streams.delete(open);
    }
  }

  private audit(
    action: string,
    facilityId: string | null,
    outcome: string,
    details: Record<string, unknown>,
    remoteAddress?: string,
  ): void {
    this.deps.audit({
      actor: facilityId ? `peer:${facilityId}` : 'peer:unknown',
      host: 'mesh',
      remoteAddress: remoteAddress ?? null,
      action,
      target: facilityId ? `facility:${facilityId}` : null,
      outcome,
      details,
    });
  }
}

function statusError(code: grpc.status, details: string): grpc.ServiceError {
  return Object.assign(new Error(details), { code, details, metadata: new grpc.Metadata() });
}
