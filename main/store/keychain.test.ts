import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runInKeyringSession } from '../testing/keyring-session';

describe('OS keychain key source (real gnome-keyring over D-Bus)', () => {
  it('creates the key at first start, reopens with it, and rotates it', () => {
    const script = fileURLToPath(new URL('./keychain-flow.fixture.ts', import.meta.url));
    const { status, stdout, stderr } = runInKeyringSession(script);
    expect(status, stderr).toBe(0);
    const seen = JSON.parse(stdout.trim().split('\n').at(-1)!) as Record<string, unknown>;
    expect(seen).toMatchObject({
      before: 'kept',
      after: 'kept',
      rotated: true,
      separateNodes: true,
      pendingLeft: false,
    });
    // No key file appears beside the database: the key lives only in the keychain.
    expect((seen.filesInDataDir as string[]).some((f) => f.includes('key'))).toBe(false);
  });

  it('says clearly when no Secret Service is reachable', async () => {
    const { createKeySource } = await import('./key-source');
    const keys = await createKeySource({ keySource: 'keychain', dataDir: '/tmp/vm-no-keyring' });
    const saved = process.env.DBUS_SESSION_BUS_ADDRESS;
    process.env.DBUS_SESSION_BUS_ADDRESS = 'unix:path=/nonexistent/bus';
    try {
      await expect(keys.load('database', { create: true })).rejects.toThrow(
        /OS keychain could not be read.*--key-source file/,
      );
    } finally {
      if (saved === undefined) delete process.env.DBUS_SESSION_BUS_ADDRESS;
      else process.env.DBUS_SESSION_BUS_ADDRESS = saved;
    }
  });
});
