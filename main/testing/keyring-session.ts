import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/**
 * Runs a TypeScript file in a private D-Bus session with a real, unlocked gnome-keyring (the
 * Secret Service keytar talks to), and returns what it printed. Nothing touches the user's own
 * keyring: HOME points at a throwaway folder.
 */
export function runInKeyringSession(
  script: string,
  args: string[] = [],
): { status: number | null; stdout: string; stderr: string } {
  const home = mkdtempSync(join(tmpdir(), 'vitalmesh-keyring-'));
  try {
    const quoted = [script, ...args].map((a) => `'${a.replace(/'/g, `'\\''`)}'`).join(' ');
    const result = spawnSync(
      'dbus-run-session',
      [
        '--',
        'bash',
        '-c',
        `eval "$(printf 'keyring-test-password' | gnome-keyring-daemon --unlock --components=secrets)"; exec node --import tsx ${quoted}`,
      ],
      {
        env: { ...process.env, HOME: home, XDG_DATA_HOME: join(home, '.local/share') },
        encoding: 'utf8',
        timeout: 60_000,
      },
    );
    return { status: result.status, stdout: result.stdout, stderr: result.stderr };
  } finally {
    rmSync(home, { recursive: true, force: true });
  }
}
