import type { ChildProcess } from 'node:child_process';
import type { Readable } from 'node:stream';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';

/** The `vitalmesh` command as a checkout runs it. */
export const CLI = resolve(import.meta.dirname, '../../bin/vitalmesh');

/**
 * The environment a CLI test runs `vitalmesh` in: from source, a data dir and key file in the
 * test's own temp dir, and ports chosen by the system so tests can run side by side.
 */
export function cliEnv(dir: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    VITALMESH_FROM_SOURCE: '1',
    VITALMESH_DATA_DIR: join(dir, 'data'),
    VITALMESH_KEY_SOURCE: 'file',
    VITALMESH_KEY_FILE: join(dir, 'node.key'),
    VITALMESH_CONSOLE_PORT: '0',
    VITALMESH_MLLP_PORT: '0',
  };
}

/**
 * The console URL from a started node's "node ready" log line; rejects if the node exits first.
 * Every stdout line also goes to `onLine` (to keep the logs a failure should print).
 */
export function readyUrl(
  child: ChildProcess & { stdout: Readable },
  onLine: (line: string) => void = () => {},
): Promise<string> {
  return new Promise<string>((ok, fail) => {
    child.once('exit', (code) => fail(new Error(`exited ${code}`)));
    createInterface({ input: child.stdout }).on('line', (line) => {
      onLine(line);
      const entry = JSON.parse(line) as { msg: string; url?: string };
      if (entry.msg === 'node ready' && entry.url) ok(entry.url);
    });
  });
}
