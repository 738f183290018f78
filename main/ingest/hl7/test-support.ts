import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { connect } from 'node:net';
import { join } from 'node:path';
import { createLogger, type Logger } from '../../log/logger';
import { openEncrypted, type Db } from '../../store/database';
import { migrate } from '../../store/migrate';
import { frame, MllpFramer } from './mllp';

/** A real encrypted, migrated store in a throwaway folder, for ingest tests and benchmarks. */
export function openScratchStore(): { db: Db; dir: string; file: string; key: Buffer; close(): void } {
  const dir = mkdtempSync(join(tmpdir(), 'vitalmesh-ingest-'));
  const file = join(dir, 'vitalmesh.db');
  const key = randomBytes(32);
  const db = openEncrypted(file, { bytes: key });
  migrate(db, file);
  db.pragma('cache_size=-65536');
  return {
    db,
    dir,
    file,
    key,
    close() {
      db.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

export const silentLogger = (): Logger => createLogger({ level: 'silent' });

/** Sends one message in one MLLP frame on a fresh connection; resolves with the first ACK's text. */
export function sendOneMllp(port: number, message: string | Buffer, timeoutMs = 5000): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, '127.0.0.1', () => socket.write(frame(message)));
    const framer = new MllpFramer(1 << 20, {
      onFrame: (payload) => {
        socket.end();
        resolve(payload.toString('utf8'));
      },
      onOversized: () => reject(new Error('oversized ACK')),
      onJunk: () => undefined,
    });
    socket.on('data', (d: Buffer) => framer.push(d));
    socket.on('error', reject);
    socket.setTimeout(timeoutMs, () => {
      socket.destroy();
      reject(new Error(`no ACK within ${timeoutMs} ms`));
    });
  });
}

/** MSA-1 and MSA-3 of an ACK. */
export function msaOf(ack: string): { code: string; text: string } {
  const msa = ack.split(/\r|\n/).find((s) => s.startsWith('MSA')) ?? '';
  const [, code = '', , text = ''] = msa.split(msa[3] ?? '|');
  return { code, text };
}
