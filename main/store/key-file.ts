import { randomBytes } from 'node:crypto';
import { closeSync, existsSync, fstatSync, openSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { KeySourceError } from './errors';

const HEX_KEY = /^[0-9a-fA-F]{64}$/;

/**
 * Reads a 256-bit key written as 64 hex characters. Refuses a file anyone but its owner can read:
 * a key that others could copy protects nothing.
 */
export function readKeyFile(file: string): Buffer {
  let fd: number;
  try {
    fd = openSync(file, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') {
      throw new KeySourceError(
        `key file ${file} does not exist. Create one with: vitalmesh keys init --key-file ${file}`,
      );
    }
    throw new KeySourceError(`key file ${file} can't be read (${code ?? String(error)})`);
  }
  try {
    const mode = fstatSync(fd).mode & 0o777;
    if ((mode & 0o077) !== 0) {
      throw new KeySourceError(
        `key file ${file} is readable by group or others (mode ${mode.toString(8)}); ` +
          `make it owner-only with: chmod 600 ${file}`,
      );
    }
    const text = readFileSync(fd, 'utf8').trim();
    if (!HEX_KEY.test(text)) {
      throw new KeySourceError(
        `key file ${file} must hold exactly 64 hexadecimal characters (a 256-bit key)`,
      );
    }
    return Buffer.from(text, 'hex');
  } finally {
    closeSync(fd);
  }
}

/** Writes a key file owner-only, atomically (temp file then rename), never over an existing one unless asked. */
export function writeKeyFile(file: string, key: Buffer, { overwrite = false } = {}): void {
  if (!overwrite && existsSync(file)) {
    throw new KeySourceError(`key file ${file} already exists; refusing to overwrite a key`);
  }
  const temp = `${file}.tmp-${process.pid}`;
  writeFileSync(temp, key.toString('hex') + '\n', { mode: 0o600, flag: 'wx' });
  renameSync(temp, file);
}

export const newKey = (): Buffer => randomBytes(32);
