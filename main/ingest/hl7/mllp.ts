/**
 * MLLP (Minimal Lower Layer Protocol) framing: <VT> message <FS><CR>.
 * @see HL7 v2.5.1 Appendix C "Lower layer protocols", C.4 MLLP
 */
export const VT = 0x0b;
export const FS = 0x1c;
export const CR = 0x0d;

/** Wraps one message in an MLLP frame. */
export function frame(payload: Buffer | string): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload, 'utf8') : payload;
  const out = Buffer.allocUnsafe(body.length + 3);
  out[0] = VT;
  body.copy(out, 1);
  out[body.length + 1] = FS;
  out[body.length + 2] = CR;
  return out;
}

export interface FramerEvents {
  /** A complete frame's payload (between VT and FS). */
  onFrame(payload: Buffer): void;
  /**
   * A frame larger than the limit: only its first bytes were kept (enough to read MSH and answer
   * with the control id), the rest was skipped without buffering.
   */
  onOversized(head: Buffer, totalBytes: number): void;
  /** Bytes outside any frame, or a frame cut off by a new VT; reported, then skipped. */
  onJunk(bytes: number, why: 'outside-frame' | 'restarted'): void;
}

/** How many bytes of an oversized frame are kept to answer it. */
export const OVERSIZED_HEAD_BYTES = 4096;

/**
 * A streaming MLLP deframer: frames split across reads, several frames in one read, junk between
 * frames, FS and CR in different reads. Memory per connection is bounded by `maxFrameBytes`.
 */
export class MllpFramer {
  private chunks: Buffer[] = [];
  private size = 0;
  private inFrame = false;
  /** FS seen as the last byte of a read; the CR may come in the next read. */
  private pendingFs = false;
  private oversized = false;
  private junk = 0;

  constructor(
    private readonly maxFrameBytes: number,
    private readonly events: FramerEvents,
  ) {}

  push(data: Buffer): void {
    let i = 0;
    const n = data.length;
    while (i < n) {
      if (!this.inFrame) {
        const start = data.indexOf(VT, i);
        if (start === -1) {
          this.junk += n - i;
          break;
        }
        this.junk += start - i;
        this.flushJunk();
        this.begin();
        i = start + 1;
        continue;
      }
      if (this.pendingFs) {
        this.pendingFs = false;
        // FS without its CR still ends the frame: lenient with senders, strict about bounds.
        if (data[i] === CR) i++;
        this.end();
        continue;
      }
      // The end of frame or a restart, whichever comes first. indexOf is memchr: a loop over
      // data[j] in JS was ~10 % of the node's CPU under bench/ingest.ts.
      const fs = data.indexOf(FS, i);
      const vt = data.indexOf(VT, i);
      const j = Math.min(fs === -1 ? n : fs, vt === -1 ? n : vt);
      this.append(data.subarray(i, j));
      if (j === n) break;
      if (data[j] === VT) {
        // A new frame began before this one ended: the sender gave up on it.
        this.events.onJunk(this.size, 'restarted');
        this.begin();
        i = j + 1;
        continue;
      }
      // data[j] === FS
      if (j + 1 === n) {
        this.pendingFs = true;
        break;
      }
      i = data[j + 1] === CR ? j + 2 : j + 1;
      this.end();
    }
  }

  private begin(): void {
    this.chunks = [];
    this.size = 0;
    this.inFrame = true;
    this.oversized = false;
    this.pendingFs = false;
  }

  private append(part: Buffer): void {
    if (part.length === 0) return;
    const before = this.size;
    this.size += part.length;
    if (this.oversized) return;
    if (this.size > this.maxFrameBytes) {
      this.oversized = true;
      // Keep only the head; drop the rest now so a hostile sender can't grow the buffer.
      const keep = Math.max(0, OVERSIZED_HEAD_BYTES - before);
      if (keep > 0) this.chunks.push(Buffer.from(part.subarray(0, keep)));
      const head = Buffer.concat(this.chunks).subarray(0, OVERSIZED_HEAD_BYTES);
      this.chunks = [head];
      return;
    }
    // Copy: the socket may reuse its buffer after the data event.
    this.chunks.push(Buffer.from(part));
  }

  private end(): void {
    const payload = this.chunks.length === 1 ? (this.chunks[0] as Buffer) : Buffer.concat(this.chunks);
    const total = this.size;
    const oversized = this.oversized;
    this.inFrame = false;
    this.chunks = [];
    this.size = 0;
    this.oversized = false;
    if (oversized) this.events.onOversized(payload, total);
    else this.events.onFrame(payload);
  }

  private flushJunk(): void {
    if (this.junk > 0) this.events.onJunk(this.junk, 'outside-frame');
    this.junk = 0;
  }

  /** Bytes currently held for an unfinished frame. */
  get buffered(): number {
    return this.chunks.reduce((sum, c) => sum + c.length, 0);
  }
}
