import { loadConfig, type ConfigOverrides } from '../config/config';
import { createKeySource } from '../store/key-source';
import { cliActor, withAuditChain } from './audit-entry';

/** `vitalmesh audit verify`: walks the chain; exit code 1 when it is broken. */
export async function verifyAudit(flags: ConfigOverrides): Promise<{ ok: boolean; text: string }> {
  const config = loadConfig(flags);
  const keys = await createKeySource(config);
  return withAuditChain(config, keys, (_store, chain) => {
    const started = performance.now();
    const report = chain.verify();
    const ms = Math.round(performance.now() - started);
    // Verifying is itself an entry (after the walk, so it doesn't verify itself).
    chain.append({
      actor: cliActor(),
      host: 'cli',
      action: 'audit.verify',
      outcome: 'ok',
      details: { ok: report.ok, checked: report.checked, ...(report.firstBroken ?? {}) },
    });
    const text = report.ok
      ? `audit chain intact: ${report.checked} entries verified (last seq ${report.lastSeq}) in ${ms} ms`
      : `AUDIT CHAIN BROKEN at seq ${report.firstBroken!.seq} (${report.firstBroken!.problem}); ` +
        `${report.checked} entries before it verified`;
    return { ok: report.ok, text };
  });
}
