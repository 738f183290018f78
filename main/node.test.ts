import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { initKeyFile } from './cli/keys';
import { loadConfig } from './config/config';
import { createLogger } from './log/logger';
import { createNode } from './node';
import { tempDir } from './testing/temp-dir';

const origin = { host: 'console' as const };

describe('createNode', () => {
  it('serves node.info, holds the data dir, and closes without leaving handles', async () => {
    const { dir, cleanup } = tempDir();
    const keyFile = join(dir, 'node.key');
    initKeyFile(keyFile);
    const config = loadConfig({ dataDir: join(dir, 'data'), keySource: 'file', keyFile, mllpPort: 0 }, {});
    const before = new Set(process.getActiveResourcesInfo());
    const node = await createNode(config, { host: 'console', logger: createLogger({ level: 'silent' }) });
    expect(await node.api.call(origin, 'node.info', {})).toMatchObject({
      ok: true,
      value: { name: 'VitalMesh' },
    });
    // A second node on the same data dir is refused while the first runs.
    await expect(
      createNode(config, { host: 'console', logger: createLogger({ level: 'silent' }) }),
    ).rejects.toThrow(/in use by process/);
    await node.close();
    await node.close(); // closing twice is harmless
    const leaked = process.getActiveResourcesInfo().filter((r) => !before.has(r) && r !== 'TTYWrap');
    expect(leaked).toEqual([]);
    // After close the data dir is free again.
    const again = await createNode(config, { host: 'console', logger: createLogger({ level: 'silent' }) });
    await again.close();
    cleanup();
  });

  it('refuses to start without a key source, creating nothing', async () => {
    const { dir, cleanup } = tempDir();
    const config = loadConfig({ dataDir: join(dir, 'data') }, {});
    await expect(
      createNode(config, { host: 'console', logger: createLogger({ level: 'silent' }) }),
    ).rejects.toThrow(/no key source is configured/);
    cleanup();
  });
});
