import { execFileSync } from 'node:child_process';
import { resolve } from 'node:path';

/**
 * The console serves the built renderer (dist/renderer); build it from the current source so a
 * journey never runs against a bundle older than the code under test.
 */
export default function globalSetup(): void {
  execFileSync('npx', ['vite', 'build', '--logLevel', 'warn'], {
    cwd: resolve(import.meta.dirname, '..'),
    stdio: 'inherit',
  });
}
