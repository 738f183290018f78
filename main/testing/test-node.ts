import { join } from 'node:path';
import { loadConfig, type NodeConfig } from '../config/config';
import { createLogger } from '../log/logger';
import { createNode, type VitalMeshNode } from '../node';
import { initKeyFile } from '../cli/keys';
import { tempDir } from './temp-dir';

/** A real node on a real encrypted file in a temp dir, keyed by a key file; for integration tests. */
export async function startTestNode(
  overrides: Partial<NodeConfig> = {},
): Promise<{ node: VitalMeshNode; dataDir: string; cleanup: () => Promise<void> }> {
  const { dir, cleanup } = tempDir();
  const keyFile = join(dir, 'keys', 'node.key');
  initKeyFile(keyFile);
  const config: NodeConfig = {
    // Any free MLLP port: test files run in parallel, and other nodes may hold 2575.
    ...loadConfig({ dataDir: join(dir, 'data'), keySource: 'file', keyFile, mllpPort: 0 }, {}),
    ...overrides,
  };
  const node = await createNode(config, { host: 'console', logger: createLogger({ level: 'silent' }) });
  return {
    node,
    dataDir: config.dataDir,
    cleanup: async () => {
      await node.close();
      cleanup();
    },
  };
}
