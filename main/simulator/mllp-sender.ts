import { connect, type Socket } from 'node:net';
import { frame, MllpFramer } from '../ingest/hl7/mllp';

export interface AckResult {
  readonly code: string;
  readonly text: string;
}

/**
 * A sender that behaves like a monitor or gateway: one message in flight, wait for its ACK, resend
 * the same message (same MSH-10) on timeout or after a reconnect. Reconnects forever until closed.
 */
export class MllpSender {
  private socket: Socket | undefined;
  private connecting: Promise<Socket> | undefined;
  private pending: { controlId: string; resolve: (ack: AckResult) => void } | undefined;
  private closed = false;
  /** How many times a message had to be sent again. */
  resends = 0;

  constructor(
    private readonly host: string,
    private readonly port: number,
    private readonly ackTimeoutMs = 5000,
    private readonly reconnectDelayMs = 200,
  ) {}

  /** Sends until an ACK (any code) for this control id arrives; rejects only when closed. */
  async send(message: string, controlId: string): Promise<AckResult> {
    const bytes = frame(message);
    for (let attempt = 0; ; attempt++) {
      if (this.closed) throw new Error('sender closed');
      if (attempt > 0) this.resends++;
      let socket: Socket;
      try {
        socket = await this.connect();
      } catch {
        await new Promise((r) => setTimeout(r, this.reconnectDelayMs));
        continue;
      }
      const ack = await new Promise<AckResult | undefined>((resolve) => {
        const finish = (a: AckResult | undefined) => {
          clearTimeout(timer);
          socket.off('close', onClose);
          if (this.pending?.controlId === controlId) this.pending = undefined;
          resolve(a);
        };
        const onClose = () => finish(undefined);
        const timer = setTimeout(() => finish(undefined), this.ackTimeoutMs);
        this.pending = { controlId, resolve: finish };
        socket.on('close', onClose);
        socket.write(bytes);
      });
      if (ack) return ack;
      // No ACK: the connection may be half-dead; start over on a fresh one.
      this.drop();
    }
  }

  private connect(): Promise<Socket> {
    if (this.socket && !this.socket.destroyed) return Promise.resolve(this.socket);
    this.connecting ??= new Promise<Socket>((resolve, reject) => {
      const socket = connect({ host: this.host, port: this.port });
      socket.setNoDelay(true);
      const framer = new MllpFramer(1 << 20, {
        onFrame: (payload) => this.onAck(payload.toString('utf8')),
        onOversized: () => undefined,
        onJunk: () => undefined,
      });
      socket.on('data', (d: Buffer) => framer.push(d));
      socket.once('connect', () => {
        this.connecting = undefined;
        // Closed while this connect was under way: close() had no socket to drop yet.
        if (this.closed) {
          socket.destroy();
          reject(new Error('sender closed'));
          return;
        }
        this.socket = socket;
        resolve(socket);
      });
      socket.on('error', (error) => {
        if (this.connecting) {
          this.connecting = undefined;
          reject(error);
        }
      });
      socket.on('close', () => {
        if (this.socket === socket) this.socket = undefined;
      });
    });
    return this.connecting;
  }

  private onAck(text: string): void {
    const msa = text.split(/\r|\n/).find((s) => s.startsWith('MSA'));
    if (!msa) return;
    const sep = msa[3] ?? '|';
    const [, code = '', controlId = '', ackText = ''] = msa.split(sep);
    // Commit ACKs are not the answer a PCD-01 sender waits for (it asks for the application ACK).
    if (code === 'CA') return;
    if (this.pending && this.pending.controlId === controlId) this.pending.resolve({ code, text: ackText });
  }

  private drop(): void {
    this.socket?.destroy();
    this.socket = undefined;
  }

  close(): void {
    this.closed = true;
    this.drop();
  }
}
