import { existsSync } from 'node:fs';
import { userInfo } from 'node:os';
import type { NodeConfig } from '../config/config';
import { AuditChain, type AuditEntry, type AuditInput } from '../audit/chain';
import type { KeySource } from '../store/key-source';
import { databasePath, openStore, type Store } from '../store/store';

/** Who ran a command, as the audit names them: the OS account, since the CLI has no session. */
export function cliActor(): string {
  try {
    return `cli:${userInfo().username}`;
  } catch {
    return `cli:uid-${process.getuid?.() ?? 'unknown'}`;
  }
}

/** Opens the store and the audit chain for one command, and closes them after. */
export async function withAuditChain<T>(
  config: NodeConfig,
  keys: KeySource,
  run: (store: Store, chain: AuditChain) => Promise<T> | T,
): Promise<T> {
  const store = await openStore(config.dataDir, keys);
  try {
    const chain = new AuditChain(store.db, await keys.load('audit', { create: true }));
    return await run(store, chain);
  } finally {
    store.close();
  }
}

/**
 * Appends one entry for a maintenance command (key rotation, backup, restore): the same chain
 * and the same function as API calls, with the OS user as actor.
 */
export async function appendCliEntry(
  config: NodeConfig,
  keys: KeySource,
  entry: Omit<AuditInput, 'actor' | 'host'>,
): Promise<AuditEntry> {
  return withAuditChain(config, keys, (_store, chain) =>
    chain.append({ ...entry, actor: cliActor(), host: 'cli' }),
  );
}

/**
 * Runs a maintenance step and appends its entry, ok or failed. A failed step is recorded when the
 * store still opens; if it doesn't (the failure was the store), the original error is what counts.
 */
export async function auditedStep<T>(
  config: NodeConfig,
  keys: KeySource,
  action: string,
  target: string,
  step: () => Promise<{ result: T; details: Record<string, unknown> }>,
): Promise<T> {
  let outcome: { result: T; details: Record<string, unknown> };
  try {
    outcome = await step();
  } catch (error) {
    // Only into a database that exists: recording a failure must not create an empty node.
    if (!existsSync(databasePath(config.dataDir))) throw error;
    await appendCliEntry(config, keys, {
      action,
      target,
      outcome: 'error',
      details: { error: (error as Error).message.slice(0, 300) },
    }).catch(() => undefined);
    throw error;
  }
  await appendCliEntry(config, keys, { action, target, outcome: 'ok', details: outcome.details });
  return outcome.result;
}
