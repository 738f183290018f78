import { loadConfig, type ConfigOverrides } from '../config/config';
import { createKeySource } from '../store/key-source';
import { enableIncrementalVacuum } from '../store/maintenance';
import { acquireNodeLock } from '../store/node-lock';
import { auditedStep } from './audit-entry';

/**
 * `vitalmesh store enable-incremental-vacuum`: for a database made before incremental vacuum was
 * the default, so retention can give space back to the disk. A full VACUUM: node stopped, about
 * the database's size again in free disk, minutes for a large store.
 */
export async function enableIncrementalVacuumCommand(flags: ConfigOverrides): Promise<string> {
  const config = loadConfig(flags);
  const release = acquireNodeLock(config.dataDir, 'converting the database to incremental vacuum');
  try {
    const keys = await createKeySource(config);
    const { before, after } = await auditedStep(
      config,
      keys,
      'store.enableIncrementalVacuum',
      'database',
      async () => {
        const modes = await enableIncrementalVacuum(config.dataDir, keys);
        return { result: modes, details: modes };
      },
    );
    return before === after
      ? `auto_vacuum is already ${after}; nothing to do`
      : `auto_vacuum was ${before}, is now ${after}: retention runs give freed space back to the disk`;
  } finally {
    release();
  }
}
