import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { test as base, type Page } from '@playwright/test';

const ROOT = resolve(import.meta.dirname, '..');
const CLI = join(ROOT, 'bin', 'vitalmesh');

/** A node started the way a person starts one (`vitalmesh start`), in its own temp data dir. */
export interface RunningNode {
  readonly url: string;
  readonly dataDir: string;
  readonly env: NodeJS.ProcessEnv;
  /** Runs another `vitalmesh` command against the same data dir and key. */
  cli(args: string[], input?: string): { status: number | null; stdout: string; stderr: string };
  /** Log lines the node printed so far (JSON lines). */
  readonly logs: string[];
}

export async function startNode(
  extraArgs: string[] = [],
  extraEnv: Record<string, string> = {},
): Promise<{ node: RunningNode; stop: () => Promise<void> }> {
  const dir = mkdtempSync(join(tmpdir(), 'vitalmesh-e2e-'));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    VITALMESH_DATA_DIR: join(dir, 'data'),
    VITALMESH_KEY_SOURCE: 'file',
    VITALMESH_KEY_FILE: join(dir, 'node.key'),
    VITALMESH_CONSOLE_PORT: '0',
    VITALMESH_MLLP_PORT: '0',
    // Tests run from source so they see the code under test, not a stale bundle.
    VITALMESH_FROM_SOURCE: '1',
    ...extraEnv,
  };
  const cli: RunningNode['cli'] = (args, input) => {
    const r = spawnSync(CLI, args, { env, encoding: 'utf8', input, timeout: 60_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  };
  const init = cli(['keys', 'init', '--key-file', env.VITALMESH_KEY_FILE!]);
  if (init.status !== 0) throw new Error(`keys init failed: ${init.stderr}`);

  const child: ChildProcess = spawn(CLI, ['start', ...extraArgs], { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const logs: string[] = [];
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  const url = await new Promise<string>((resolveUrl, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`node did not become ready:\n${stderr}\n${logs.join('\n')}`)),
      30_000,
    );
    createInterface({ input: child.stdout! }).on('line', (line) => {
      logs.push(line);
      try {
        const entry = JSON.parse(line) as { msg?: string; url?: string };
        if (entry.msg === 'node ready' && entry.url) {
          clearTimeout(timer);
          resolveUrl(entry.url);
        }
      } catch {
        // Not a log line (the demo's printed block): kept in logs, nothing to parse.
      }
    });
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`node exited with ${code}:\n${stderr}`));
    });
  });
  const node: RunningNode = { url, dataDir: env.VITALMESH_DATA_DIR!, env, cli, logs };
  const stop = async () => {
    if (child.exitCode === null) {
      const exited = new Promise<number | null>((r) => child.once('exit', r));
      child.kill('SIGTERM');
      // A node that could not close cleanly exits 1 after its deadline: show where it was.
      if ((await exited) !== 0) {
        process.stderr.write(
          `node did not stop cleanly; its last log lines:\n${logs.slice(-6).join('\n')}\n`,
        );
      }
    }
    rmSync(dir, { recursive: true, force: true });
  };
  return { node, stop };
}

/** The MLLP port the node bound (it logs it in "node ready"). */
export function mllpPort(node: RunningNode): number {
  for (const line of node.logs) {
    try {
      const entry = JSON.parse(line) as { msg?: string; mllp?: { port: number } | null };
      if (entry.msg === 'node ready' && entry.mllp) return entry.mllp.port;
    } catch {
      // not a log line
    }
  }
  throw new Error('the node did not log its MLLP port');
}

/** Saves a full-page screenshot as a test artifact a reviewer can open. */
export async function screenshot(
  page: Page,
  name: string,
  testInfo: { outputPath(name: string): string },
): Promise<void> {
  await page.screenshot({ path: testInfo.outputPath(`${name}.png`), fullPage: true });
}

/** Logs in through the console's login page, as a person does, and waits for the shell. */
export async function logIn(page: Page, username: string, password: string): Promise<void> {
  await page.getByLabel('Username').fill(username);
  await page.getByLabel('Password').fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.getByRole('navigation', { name: 'Main' }).waitFor();
}

/**
 * `vmNode` is a node started for the test; `nodeArgs` are extra `vitalmesh start` flags, e.g.
 * `test.use({ nodeArgs: ['--demo'] })` for the demo users and simulated beds.
 */
export const test = base.extend<{
  vmNode: RunningNode;
  nodeArgs: string[];
  nodeEnv: Record<string, string>;
}>({
  nodeArgs: [[], { option: true }],
  /** Extra environment for the node, e.g. short alert thresholds: `test.use({ nodeEnv: {…} })`. */
  nodeEnv: [{}, { option: true }],
  vmNode: async ({ nodeArgs, nodeEnv }, use) => {
    const { node, stop } = await startNode(nodeArgs, nodeEnv);
    await use(node);
    await stop();
  },
});

export { expect } from '@playwright/test';
