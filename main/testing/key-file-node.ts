import { join } from 'node:path';
import { initKeyFile } from '../cli/keys';
import { createKeySource, type KeySource } from '../store/key-source';
import { tempDir } from './temp-dir';

export interface KeyFileNode {
  /** The test's temporary folder: `data/` and `node.key` live in it. */
  readonly dir: string;
  /** The node's data folder (not created yet; openStore makes it). */
  readonly dataDir: string;
  readonly keyFile: string;
  /** The key source a node started with `--key-file` has. */
  readonly keys: KeySource;
  readonly cleanup: () => void;
}

/** A fresh temporary folder with a new key file (`vitalmesh keys init`) as its key source. */
export async function keyFileNode(): Promise<KeyFileNode> {
  const { dir, cleanup } = tempDir();
  const dataDir = join(dir, 'data');
  const keyFile = join(dir, 'node.key');
  initKeyFile(keyFile);
  const keys = await createKeySource({ keySource: 'file', keyFile, dataDir });
  return { dir, dataDir, keyFile, keys, cleanup };
}
