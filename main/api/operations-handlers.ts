import type { BackupService } from '../backup/service';
import { runAuditDetails, type RetentionService } from '../retention/service';
import type { Handlers } from './dispatcher';

export interface OperationsHandlerDeps {
  readonly retention: RetentionService;
  readonly backups: BackupService;
}

type OperationsMethods =
  'retention.overview' | 'retention.setPolicy' | 'retention.run' | 'backups.status' | 'backups.run';

/**
 * Retention and backups (issue 9), IT's. A run started here is audited once, by the dispatcher,
 * with the run's counts per class in the entry's details.
 */
export function operationsHandlers(deps: OperationsHandlerDeps): Pick<Handlers, OperationsMethods> {
  const actor = (ctx: { principal: { username: string } | undefined }) =>
    ctx.principal?.username ?? 'unknown';
  return {
    'retention.overview': () => deps.retention.overview(),
    'retention.setPolicy': (input, ctx) => {
      ctx.audit.target = `retention-class:${input.class}`;
      ctx.audit.details = { keepDays: input.keepDays };
      return deps.retention.setPolicy(input.class, input.keepDays, actor(ctx));
    },
    'retention.run': async (input, ctx) => {
      const run = await deps.retention.run({ dryRun: input.dryRun, actor: actor(ctx), audit: 'caller' });
      ctx.audit.target = `retention-run:${run.id}`;
      ctx.audit.details = runAuditDetails(run);
      return run;
    },
    'backups.status': () => deps.backups.status(),
    'backups.run': async (_input, ctx) => {
      const run = await deps.backups.run(actor(ctx), 'caller');
      ctx.audit.target = `file:${run.file}`;
      ctx.audit.details = {
        runId: run.id,
        outcome: run.outcome,
        bytes: run.bytes,
        schemaVersion: run.schemaVersion,
        error: run.error,
      };
      return run;
    },
  };
}
