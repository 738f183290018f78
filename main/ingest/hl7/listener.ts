import { createServer as createTcpServer, type AddressInfo, type Server, type Socket } from 'node:net';
import { createServer as createTlsServer, type Server as TlsServer, type TLSSocket } from 'node:tls';
import type { Logger } from '../../log/logger';
import { MllpFramer } from './mllp';
import type { ConnectionInfo, Ingest, IngestAuditEntry } from './pipeline';

export interface TlsOptions {
  readonly key: string | Buffer;
  readonly cert: string | Buffer;
  /** CA(s) for client certificates; with `requireClientCert`, mutual TLS. */
  readonly ca?: string | Buffer | (string | Buffer)[];
  readonly requireClientCert?: boolean;
}

export interface ListenerOptions {
  readonly ingest: Ingest;
  readonly logger: Logger;
  readonly host?: string;
  readonly port: number;
  /** A frame larger than this is refused (AR) without being buffered. */
  readonly maxFrameBytes?: number;
  readonly tls?: TlsOptions;
  /** A connection silent for this long is closed (monitors send every few seconds). */
  readonly idleTimeoutMs?: number;
  readonly onAudit?: (entry: IngestAuditEntry) => void;
  /**
   * A sender's connection closed (its end, a network error, the idle timeout), after its last ACK
   * was handed to the socket. Not called while the listener itself is closing (node shutdown).
   */
  readonly onConnectionClosed?: (closed: ClosedConnection) => void;
}

export interface ClosedConnection {
  readonly id: number;
  readonly remote: string;
  /** Frames received on it: one means a sender that connects per message, not a lost link. */
  readonly messages: number;
}

export interface ConnectionStatus {
  readonly id: number;
  readonly remote: string;
  readonly since: number;
  readonly messages: number;
  readonly lastMessageAt: number | null;
  readonly tls: boolean;
  /** Subject CN of a verified client certificate (mutual TLS). */
  readonly peer: string | null;
}

export interface Listener {
  readonly port: number;
  readonly host: string;
  readonly tls: boolean;
  connections(): ConnectionStatus[];
  close(): Promise<void>;
}

export const DEFAULT_MAX_FRAME_BYTES = 1024 * 1024;

/**
 * The MLLP listener: one framer per connection, every frame handed to the ingest pipeline, ACKs
 * written in the order the messages came. TCP or TLS (mutual when a client CA is required).
 * @see HL7 v2.5.1 Appendix C; IHE ITI TF-2 3.19 for TLS on HL7 v2 links
 */
export async function startListener(options: ListenerOptions): Promise<Listener> {
  const { ingest, logger } = options;
  const host = options.host ?? '127.0.0.1';
  const maxFrame = options.maxFrameBytes ?? DEFAULT_MAX_FRAME_BYTES;
  const live = new Map<
    number,
    { socket: Socket; status: { -readonly [K in keyof ConnectionStatus]: ConnectionStatus[K] } }
  >();
  let nextId = 1;
  let closing = false;
  const audit = (action: string, conn: ConnectionInfo, outcome: string, details: Record<string, unknown>) =>
    options.onAudit?.({
      actor: `mllp:${conn.remote}`,
      host: 'mllp',
      remoteAddress: conn.remote,
      action,
      target: `connection:${conn.id}`,
      outcome,
      details,
    });

  const onConnection = (socket: Socket) => {
    const conn: ConnectionInfo = {
      id: nextId++,
      remote: `${socket.remoteAddress ?? '?'}:${socket.remotePort ?? 0}`,
    };
    const tlsSocket = options.tls ? (socket as TLSSocket) : undefined;
    const peerCert = tlsSocket?.getPeerCertificate();
    const peer = peerCert && typeof peerCert.subject?.CN === 'string' ? peerCert.subject.CN : null;
    const status = {
      id: conn.id,
      remote: conn.remote,
      since: Date.now(),
      messages: 0,
      lastMessageAt: null as number | null,
      tls: !!options.tls,
      peer,
    };
    live.set(conn.id, { socket, status });
    const log = logger.child({ connection: conn.id });
    log.info({ remote: conn.remote, tls: status.tls }, 'MLLP connection opened');
    audit('ingest.hl7.connect', conn, 'ok', { tls: status.tls, peer });
    socket.setNoDelay(true);
    if (options.idleTimeoutMs) socket.setTimeout(options.idleTimeoutMs, () => socket.destroy());

    // ACKs leave in arrival order even though each waits for its group commit.
    let tail: Promise<void> = Promise.resolve();
    // The ACKs one commit releases go out in one write, not a system call each: corked until
    // the microtasks that write them have run.
    let corked = false;
    const uncork = () => {
      corked = false;
      socket.uncork();
    };
    const send = (acks: Promise<Buffer[]>, frameAt: number) => {
      tail = tail.then(async () => {
        const frames = await acks;
        if (socket.destroyed) return;
        if (!corked) {
          corked = true;
          socket.cork();
          process.nextTick(uncork);
        }
        for (const f of frames) socket.write(f);
        ingest.noteAckWritten(frameAt);
      });
    };
    const framer = new MllpFramer(maxFrame, {
      onFrame(payload) {
        status.messages++;
        status.lastMessageAt = Date.now();
        send(ingest.receive(payload, conn), ingest.clock());
      },
      onOversized(head, total) {
        status.messages++;
        log.warn({ bytes: total, limit: maxFrame }, 'oversized MLLP frame refused');
        send(ingest.receiveOversized(head, total, maxFrame, conn), ingest.clock());
      },
      onJunk(bytes, why) {
        ingest.noteJunk(bytes);
        log.debug({ bytes, why }, 'bytes outside MLLP frames skipped');
      },
    });
    socket.on('data', (data: Buffer) => framer.push(data));
    socket.on('error', (error) => log.debug({ err: error }, 'MLLP connection error'));
    socket.on('close', () => {
      live.delete(conn.id);
      log.info({ messages: status.messages }, 'MLLP connection closed');
      audit('ingest.hl7.disconnect', conn, 'ok', { messages: status.messages });
      if (closing) return;
      // After the pending ACKs: the messages already sent are committed before the device is
      // called gone, so their values can't clear the alarm this raises.
      void tail.then(() => {
        try {
          options.onConnectionClosed?.({ id: conn.id, remote: conn.remote, messages: status.messages });
        } catch (error) {
          log.error({ err: error }, 'connection-close observer failed');
        }
      });
    });
  };

  const server: Server = options.tls
    ? createTlsServer(
        {
          key: options.tls.key,
          cert: options.tls.cert,
          ca: options.tls.ca,
          requestCert: !!options.tls.requireClientCert,
          rejectUnauthorized: !!options.tls.requireClientCert,
          minVersion: 'TLSv1.2',
        },
        onConnection,
      )
    : createTcpServer(onConnection);
  // Every accepted TCP socket, including TLS ones still in their handshake (not in `live` yet):
  // server.close() waits for them all, and a client stalling its handshake would hold it for
  // the TLS handshake timeout (120 s).
  const accepted = new Set<Socket>();
  server.on('connection', (raw: Socket) => {
    accepted.add(raw);
    raw.once('close', () => accepted.delete(raw));
  });
  if (options.tls) {
    (server as TlsServer).on('tlsClientError', (error: Error, socket: TLSSocket) => {
      logger.warn({ err: error.message, remote: socket.remoteAddress }, 'MLLP TLS handshake refused');
      options.onAudit?.({
        actor: `mllp:${socket.remoteAddress ?? '?'}`,
        host: 'mllp',
        remoteAddress: socket.remoteAddress ?? null,
        action: 'ingest.hl7.connect',
        target: null,
        outcome: 'refused',
        details: { reason: error.message },
      });
    });
  }
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  logger.info({ host, port, tls: !!options.tls }, 'MLLP listener started');
  return {
    port,
    host,
    tls: !!options.tls,
    connections: () => [...live.values()].map((c) => ({ ...c.status })),
    async close() {
      closing = true;
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      // Pending ACKs go out first: what is read is committed, then the sockets end.
      await ingest.drain();
      await new Promise((r) => setImmediate(r));
      // Each socket's own 'close' (which writes its disconnect audit entry) can come after the
      // server's: wait for both, so nothing is written after the store behind us is closed.
      const sockets = [...live.values()].map(
        ({ socket }) =>
          new Promise<void>((resolve) => (socket.closed ? resolve() : socket.once('close', () => resolve()))),
      );
      for (const { socket } of live.values()) socket.end();
      const timer = setTimeout(() => {
        for (const { socket } of live.values()) socket.destroy();
        for (const raw of accepted) raw.destroy();
      }, 2000);
      await Promise.all([closed, ...sockets]);
      clearTimeout(timer);
      // 'close' fires before libuv has released the handle; one turn later it is gone, so a
      // closed node leaves nothing behind (main/node.test.ts checks active handles).
      await new Promise((r) => setImmediate(r));
    },
  };
}
