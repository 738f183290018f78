import { scrypt as scryptCallback, createHash, randomBytes } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { promisify } from 'node:util';
import type { KeySourceKind } from '../../shared/api/node';
import { KeySourceError } from './errors';
import { newKey, readKeyFile, writeKeyFile } from './key-file';

const scrypt = promisify(scryptCallback) as (
  password: string,
  salt: Buffer,
  keylen: number,
  options: { N: number; r: number; p: number; maxmem: number },
) => Promise<Buffer>;

/** The database key and the audit key are separate secrets: one leaking doesn't forge the other. */
export type KeyName = 'database' | 'audit';

/**
 * Where the node's keys live. `load` creates a key on first start only where the source can hold
 * one safely (keychain, key file beside an explicit path); `stage`/`commit` make rotation
 * crash-safe: the new key is stored as pending before the database is re-keyed.
 */
export interface KeySource {
  readonly kind: KeySourceKind;
  describe(): string;
  load(name: KeyName, options: { create: boolean }): Promise<Buffer>;
  /** The key staged by an interrupted rotation, if any. */
  pending(name: KeyName): Promise<Buffer | undefined>;
  /** Makes a new key and keeps it as pending; the caller re-keys, then commits. */
  stageNew(name: KeyName): Promise<Buffer>;
  commit(name: KeyName): Promise<void>;
  discard(name: KeyName): Promise<void>;
}

export interface KeySourceConfig {
  readonly keySource: KeySourceKind | undefined;
  readonly dataDir: string;
  readonly keyFile?: string | undefined;
  readonly auditKeyFile?: string | undefined;
  readonly passphrase?: string | undefined;
}

export const HOW_TO_GIVE_A_KEY =
  'Choose a key source: --key-source keychain (the OS keychain; needs keytar and a Secret Service), ' +
  '--key-source file --key-file F (make F with: vitalmesh keys init --key-file F), or ' +
  '--key-source passphrase with VITALMESH_PASSPHRASE set. The same settings exist as ' +
  'VITALMESH_KEY_SOURCE, VITALMESH_KEY_FILE and keySource/keyFile in <data dir>/config.json.';

export async function createKeySource(config: KeySourceConfig): Promise<KeySource> {
  switch (config.keySource) {
    case undefined:
      throw new KeySourceError(
        `no key source is configured, so the node will not start. ${HOW_TO_GIVE_A_KEY}`,
      );
    case 'file': {
      if (!config.keyFile) {
        throw new KeySourceError(
          'key source "file" needs a key file: --key-file F or VITALMESH_KEY_FILE. ' +
            'Make one with: vitalmesh keys init --key-file F',
        );
      }
      return new FileKeySource(resolve(config.keyFile), config.auditKeyFile && resolve(config.auditKeyFile));
    }
    case 'passphrase': {
      if (!config.passphrase) {
        throw new KeySourceError(
          'key source "passphrase" needs the passphrase in VITALMESH_PASSPHRASE (never as a flag: ' +
            'other users can read command lines)',
        );
      }
      if (config.passphrase.length < 12) {
        throw new KeySourceError('the passphrase must be at least 12 characters');
      }
      return new PassphraseKeySource(config.passphrase, config.dataDir);
    }
    case 'keychain':
      return new KeychainKeySource(await loadKeytar(), resolve(config.dataDir));
    default: {
      const never: never = config.keySource;
      throw new KeySourceError(`unknown key source ${String(never)}`);
    }
  }
}

/** Key files: the database key in F, the audit key in F.audit unless given apart. */
class FileKeySource implements KeySource {
  readonly kind = 'file' as const;
  constructor(
    private readonly file: string,
    private readonly auditFile: string = `${file}.audit`,
  ) {}

  describe(): string {
    return `key file ${this.file}`;
  }

  private path(name: KeyName): string {
    return name === 'database' ? this.file : this.auditFile;
  }

  async load(name: KeyName, { create }: { create: boolean }): Promise<Buffer> {
    const path = this.path(name);
    // The database key file is made deliberately (keys init); the audit key beside it is made at
    // first start, since its absence on a new node is expected.
    if (name === 'audit' && create && !existsSync(path)) writeKeyFile(path, newKey());
    return readKeyFile(path);
  }

  async pending(name: KeyName): Promise<Buffer | undefined> {
    const path = `${this.path(name)}.pending`;
    return existsSync(path) ? readKeyFile(path) : undefined;
  }

  async stageNew(name: KeyName): Promise<Buffer> {
    const key = newKey();
    writeKeyFile(`${this.path(name)}.pending`, key, { overwrite: true });
    return key;
  }

  async commit(name: KeyName): Promise<void> {
    renameSync(`${this.path(name)}.pending`, this.path(name));
  }

  async discard(name: KeyName): Promise<void> {
    rmSync(`${this.path(name)}.pending`, { force: true });
  }
}

/**
 * A passphrase stretched with scrypt (N=2^15, r=8, p=1: ~100 ms, 32 MiB) and a random salt kept in
 * the data dir. The audit key uses its own salt, so the two keys are unrelated.
 */
class PassphraseKeySource implements KeySource {
  readonly kind = 'passphrase' as const;
  constructor(
    private readonly passphrase: string,
    private readonly dataDir: string,
  ) {}

  describe(): string {
    return 'passphrase (scrypt)';
  }

  private saltFile(name: KeyName, suffix = ''): string {
    return join(this.dataDir, `${name}.salt${suffix}`);
  }

  private async derive(salt: Buffer): Promise<Buffer> {
    return scrypt(this.passphrase, salt, 32, { N: 2 ** 15, r: 8, p: 1, maxmem: 64 * 1024 * 1024 });
  }

  async load(name: KeyName, { create }: { create: boolean }): Promise<Buffer> {
    const file = this.saltFile(name);
    if (!existsSync(file)) {
      if (!create) throw new KeySourceError(`salt file ${file} is missing`);
      writeFileSync(file, randomBytes(16).toString('hex'), { mode: 0o600, flag: 'wx' });
    }
    return this.derive(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex'));
  }

  async pending(name: KeyName): Promise<Buffer | undefined> {
    const file = this.saltFile(name, '.pending');
    return existsSync(file) ? this.derive(Buffer.from(readFileSync(file, 'utf8').trim(), 'hex')) : undefined;
  }

  /** Rotation with a passphrase keeps the passphrase and draws a new salt, so the key changes. */
  async stageNew(name: KeyName): Promise<Buffer> {
    const salt = randomBytes(16);
    writeFileSync(this.saltFile(name, '.pending'), salt.toString('hex'), { mode: 0o600 });
    return this.derive(salt);
  }

  async commit(name: KeyName): Promise<void> {
    renameSync(this.saltFile(name, '.pending'), this.saltFile(name));
  }

  async discard(name: KeyName): Promise<void> {
    rmSync(this.saltFile(name, '.pending'), { force: true });
  }
}

interface Keytar {
  getPassword(service: string, account: string): Promise<string | null>;
  setPassword(service: string, account: string, password: string): Promise<void>;
  deletePassword(service: string, account: string): Promise<boolean>;
}

async function loadKeytar(): Promise<Keytar> {
  try {
    const module = (await import('keytar')) as { default?: Keytar } & Keytar;
    return module.default ?? module;
  } catch (error) {
    throw new KeySourceError(
      `the keychain key source needs the optional package keytar, which is not available here ` +
        `(${(error as Error).message.split('\n')[0]}). On Debian: apt-get install libsecret-1-dev, ` +
        `then npm install. On a server without a keychain use --key-source file or passphrase.`,
    );
  }
}

const KEYCHAIN_SERVICE = 'VitalMesh';

/** The OS keychain (Secret Service, macOS Keychain, Windows Credential Vault) through keytar. */
class KeychainKeySource implements KeySource {
  readonly kind = 'keychain' as const;
  /** One node per data dir: the account names the data dir, so two nodes never share a key. */
  private readonly scope: string;
  constructor(
    private readonly keytar: Keytar,
    dataDir: string,
  ) {
    this.scope = createHash('sha256').update(dataDir).digest('hex').slice(0, 16);
  }

  describe(): string {
    return `OS keychain (service ${KEYCHAIN_SERVICE}, node ${this.scope})`;
  }

  private account(name: KeyName, suffix = ''): string {
    return `${this.scope}/${name}${suffix}`;
  }

  private async get(account: string): Promise<string | null> {
    try {
      return await this.keytar.getPassword(KEYCHAIN_SERVICE, account);
    } catch (error) {
      throw new KeySourceError(
        `the OS keychain could not be read (${(error as Error).message}). Is a Secret Service ` +
          `running and unlocked? On a server use --key-source file or passphrase.`,
      );
    }
  }

  async load(name: KeyName, { create }: { create: boolean }): Promise<Buffer> {
    const stored = await this.get(this.account(name));
    if (stored) return Buffer.from(stored, 'hex');
    if (!create) {
      throw new KeySourceError(`the OS keychain holds no ${name} key for this node (${this.describe()})`);
    }
    const key = newKey();
    await this.keytar.setPassword(KEYCHAIN_SERVICE, this.account(name), key.toString('hex'));
    return key;
  }

  async pending(name: KeyName): Promise<Buffer | undefined> {
    const stored = await this.get(this.account(name, '.pending'));
    return stored ? Buffer.from(stored, 'hex') : undefined;
  }

  async stageNew(name: KeyName): Promise<Buffer> {
    const key = newKey();
    await this.keytar.setPassword(KEYCHAIN_SERVICE, this.account(name, '.pending'), key.toString('hex'));
    return key;
  }

  async commit(name: KeyName): Promise<void> {
    const key = await this.pending(name);
    if (!key) throw new KeySourceError(`no pending ${name} key to commit`);
    await this.keytar.setPassword(KEYCHAIN_SERVICE, this.account(name), key.toString('hex'));
    await this.keytar.deletePassword(KEYCHAIN_SERVICE, this.account(name, '.pending'));
  }

  async discard(name: KeyName): Promise<void> {
    await this.keytar.deletePassword(KEYCHAIN_SERVICE, this.account(name, '.pending'));
  }
}
