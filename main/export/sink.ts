import { createHash } from 'node:crypto';
import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * A file being written: owner-only, never overwriting (`wx`), hashed as it goes, and written
 * with back-pressure (a write waits for the stream to drain), so a slow disk slows the export
 * instead of filling memory.
 */
export class HashingSink {
  private readonly out: WriteStream;
  private readonly hash = createHash('sha256');
  private failed: Error | undefined;
  bytes = 0;

  constructor(readonly path: string) {
    this.out = createWriteStream(path, { flags: 'wx', mode: 0o600 });
    this.out.on('error', (error) => (this.failed = error));
  }

  async write(chunk: string | Uint8Array): Promise<void> {
    if (this.failed) throw this.failed;
    const data = typeof chunk === 'string' ? Buffer.from(chunk, 'utf8') : chunk;
    this.hash.update(data);
    this.bytes += data.length;
    if (!this.out.write(data)) {
      await new Promise<void>((resolve, reject) => {
        const onError = (error: Error) => reject(error);
        this.out.once('error', onError);
        this.out.once('drain', () => {
          this.out.off('error', onError);
          resolve();
        });
      });
    }
  }

  /** Closes the file; resolves with its SHA-256 once every byte is on disk. */
  async close(): Promise<string> {
    if (this.failed) throw this.failed;
    await new Promise<void>((resolve, reject) =>
      this.out.end((error?: Error | null) => (error ? reject(error) : resolve())),
    );
    return this.hash.digest('hex');
  }

  /** Stops without finishing (cancel, failure); the caller removes the file. */
  async abort(): Promise<void> {
    if (this.out.closed) return;
    await new Promise<void>((resolve) => {
      this.out.once('close', () => resolve());
      this.out.destroy();
    });
  }
}
