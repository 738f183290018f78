import type { AuditChain } from '../audit/chain';
import { isoOrNull, result, type HealthProbe } from './probe';

/**
 * Verifies the audit chain every `auditVerifyHours` (it reads every entry, so not on each health
 * check) and reports the last result; a broken chain is a critical alert until a verification
 * passes again.
 */
export class AuditVerifyProbe implements HealthProbe {
  readonly id = 'audit';
  readonly label = 'Audit chain';
  private last:
    | { at: number; ok: boolean; checked: number; firstBroken: number | null; error: string | null }
    | undefined;
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly chain: Pick<AuditChain, 'verify'>,
    private readonly now: () => number = Date.now,
  ) {}

  /** First verification a minute after start (not in the way of startup), then every `hours`. */
  start(hours: number): void {
    const first = setTimeout(() => this.verifyNow(), 60_000);
    first.unref();
    this.timer = setInterval(() => this.verifyNow(), hours * 3_600_000);
    this.timer.unref();
  }

  close(): void {
    if (this.timer) clearInterval(this.timer);
  }

  verifyNow(): void {
    const at = this.now();
    try {
      const report = this.chain.verify();
      this.last = {
        at,
        ok: report.ok,
        checked: report.checked,
        firstBroken: report.firstBroken?.seq ?? null,
        error: null,
      };
    } catch (error) {
      this.last = { at, ok: false, checked: 0, firstBroken: null, error: (error as Error).message };
    }
  }

  collect() {
    const last = this.last;
    if (!last) return result(this, 'not verified yet', []);
    const alerts = last.ok
      ? []
      : [
          {
            rule: 'audit-verify-failed',
            severity: 'critical' as const,
            subject: 'audit-chain',
            message:
              last.error ??
              `the audit chain failed verification at entry ${last.firstBroken}: entries were changed or removed`,
          },
        ];
    return result(
      this,
      last.ok ? `verified ${last.checked} entries` : 'verification FAILED',
      [
        {
          name: 'chain',
          status: last.ok ? 'ok' : 'critical',
          facts: {
            verifiedAt: isoOrNull(last.at),
            ok: last.ok,
            checked: last.checked,
            firstBroken: last.firstBroken,
          },
        },
      ],
      alerts,
    );
  }
}
