import { randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { ApiError } from '../../shared/api/errors';

/**
 * Password hashing with scrypt (RFC 7914) from node:crypto.
 * Parameters: N = 2^15, r = 8, p = 1 (128·N·r = 32 MiB of memory, ~60–100 ms per hash on the
 * 2-core machines here), a 16-byte random salt per user and a 32-byte output — the OWASP
 * Password Storage Cheat Sheet's scrypt baseline (N ≥ 2^17 with r = 8 is its first choice; 2^15
 * keeps a login under ~0.1 s on a shared ward PC while lockout caps online guessing).
 * The stored string carries its parameters (`scrypt$N$r$p$salt$hash`), so they can be raised later
 * without breaking existing hashes.
 */
export const SCRYPT_PARAMS = { N: 2 ** 15, r: 8, p: 1 } as const;
const KEY_LENGTH = 32;
const SALT_BYTES = 16;
// Node refuses scrypt above maxmem; 128·N·r bytes plus headroom.
const MAX_MEM = 64 * 1024 * 1024;

export const PASSWORD_MIN_LENGTH = 12;
const PASSWORD_MAX_LENGTH = 1024;

function scrypt(
  password: string,
  salt: Buffer,
  params: { N: number; r: number; p: number },
): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(
      password.normalize('NFKC'),
      salt,
      KEY_LENGTH,
      { ...params, maxmem: MAX_MEM },
      (error, key) => (error ? reject(error) : resolve(key)),
    );
  });
}

/** A policy failure, pinned to the `password` field so a form can show it there. */
const policyError = (message: string) =>
  new ApiError('bad_request', message, [{ path: 'password', message }]);

/** Throws `bad_request` with a message a person can act on; never echoes the password. */
export function checkPasswordPolicy(password: string, username: string): void {
  if (password.length < PASSWORD_MIN_LENGTH) {
    throw policyError(`the password must be at least ${PASSWORD_MIN_LENGTH} characters`);
  }
  if (password.length > PASSWORD_MAX_LENGTH) {
    throw policyError(`the password must be at most ${PASSWORD_MAX_LENGTH} characters`);
  }
  if (username.length > 0 && password.toLowerCase().includes(username.toLowerCase())) {
    throw policyError('the password must not contain the username');
  }
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(SALT_BYTES);
  const hash = await scrypt(password, salt, SCRYPT_PARAMS);
  const { N, r, p } = SCRYPT_PARAMS;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64')}$${hash.toString('base64')}`;
}

/** Constant-time comparison of the derived key; a malformed stored hash never matches. */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  const parts = stored.split('$');
  if (parts.length !== 6 || parts[0] !== 'scrypt') return false;
  const [N, r, p] = parts.slice(1, 4).map(Number) as [number, number, number];
  const salt = Buffer.from(parts[4] ?? '', 'base64');
  const expected = Buffer.from(parts[5] ?? '', 'base64');
  if (![N, r, p].every(Number.isInteger) || expected.length !== KEY_LENGTH) return false;
  const actual = await scrypt(password, salt, { N, r, p });
  return timingSafeEqual(actual, expected);
}

/**
 * A hash of a random password, verified against when the username doesn't exist, so a login for
 * an unknown user takes as long as one for a known user (no username probing by timing).
 */
let dummyHash: Promise<string> | undefined;
export const timingDummyHash = (): Promise<string> =>
  (dummyHash ??= hashPassword(randomBytes(24).toString('base64')));
