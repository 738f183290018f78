import { createHash } from 'node:crypto';
import { resolve } from 'node:path';
import type { KeySourceKind } from '../../shared/api/node';
import type { MESH_CA_KEY_LOCATIONS } from '../config/config';

/** Where the facility CA's private key is kept: the encrypted store (default) or the OS keychain. */
export type CaKeyLocation = (typeof MESH_CA_KEY_LOCATIONS)[number];

/** One secret kept outside the store. */
export interface SecretSlot {
  /** Where it is, for messages and for the marker left in the store. */
  describe(): string;
  get(): Promise<string | null>;
  set(value: string): Promise<void>;
  remove(): Promise<void>;
}

/** What the node may do with the CA key at this start. */
export interface CaKeyPlacement {
  readonly wanted: CaKeyLocation;
  /** The keychain slot, when this node's key source is the keychain and it answers. */
  readonly keychain: SecretSlot | undefined;
  /** Why the keychain can't hold the key, when it was asked for and can't (the store keeps it). */
  readonly unavailable: string | undefined;
}

/**
 * What `mesh_certificates.key_pem` holds for a CA whose key is in the keychain: a pointer, never
 * the key. The CA key is needed only to issue node certificates (first start, renewal), so it is
 * read from the keychain then and not held otherwise.
 */
export const KEYCHAIN_MARKER = 'keychain:';
export const keyInKeychain = (keyPem: string): boolean => keyPem.startsWith(KEYCHAIN_MARKER);

/** The store keeps the CA key: no keychain involved (tests, nodes on file or passphrase keys). */
export const STORE_PLACEMENT: CaKeyPlacement = {
  wanted: 'store',
  keychain: undefined,
  unavailable: undefined,
};

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

/** The keychain service the node's own keys use (main/store/key-source.ts). */
const SERVICE = 'VitalMesh';

const loadKeytar = async (): Promise<Keytar> => {
  const module = (await import('keytar')) as { default?: Keytar } & Keytar;
  return module.default ?? module;
};

/**
 * Decides where the CA key may live at this start. The keychain is used only when the node's key
 * source is the keychain (its keys are there already, so keytar and a Secret Service are known to
 * be present); asked for otherwise, or not answering, the key stays in the encrypted store and
 * `unavailable` says why, for the log and the Sharing screen.
 */
export async function placeCaKey(options: {
  readonly wanted: CaKeyLocation | undefined;
  readonly keySource: KeySourceKind | undefined;
  readonly dataDir: string;
  readonly keytar?: () => Promise<Keytar>;
}): Promise<CaKeyPlacement> {
  const wanted = options.wanted ?? 'store';
  const fallback = (why: string): CaKeyPlacement => ({
    wanted,
    keychain: undefined,
    unavailable: wanted === 'keychain' ? `the CA key stays in the encrypted store: ${why}` : undefined,
  });
  if (options.keySource !== 'keychain') {
    return fallback(
      `keeping it in the OS keychain needs the node's key source to be the keychain ` +
        `(--key-source keychain); this node's is ${options.keySource ?? 'not set'}`,
    );
  }
  let keytar: Keytar;
  try {
    keytar = await (options.keytar ?? loadKeytar)();
  } catch (error) {
    return fallback(`the optional package keytar is not available (${firstLine(error)})`);
  }
  // One node per data dir, as the node's own keys: the account names the data dir.
  const scope = createHash('sha256').update(resolve(options.dataDir)).digest('hex').slice(0, 16);
  const account = `${scope}/mesh-ca-key`;
  const slot: SecretSlot = {
    describe: () => `OS keychain (service ${SERVICE}, account ${account})`,
    get: () => keytar.getPassword(SERVICE, account),
    set: (value) => keytar.setPassword(SERVICE, account, value),
    remove: async () => {
      await keytar.deletePassword(SERVICE, account);
    },
  };
  try {
    await slot.get();
  } catch (error) {
    return fallback(`the OS keychain did not answer (${firstLine(error)}); is it unlocked?`);
  }
  return { wanted, keychain: slot, unavailable: undefined };
}

const firstLine = (error: unknown): string =>
  (error instanceof Error ? error.message : String(error)).split('\n')[0]!.slice(0, 200);

export class CaKeyUnavailable extends Error {
  override name = 'CaKeyUnavailable';
}
