import { useState } from 'react';
import type { AuditVerifyResult } from '../../../shared/api/audit';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { ActionError } from '../../components/action-error';
import { useClient } from '../../app/context';
import { formatCount } from '../../format/count';
import { formatDateTime } from '../../format/time';
import { PROBLEM_TEXT } from './audit-format';

/** "Has anyone altered this record": walks the whole chain on the node and says what it found. */
export function VerifyChain() {
  const client = useClient();
  const [busy, setBusy] = useState(false);
  const [result, setResult] = useState<AuditVerifyResult | undefined>();
  const [error, setError] = useState<ApiErrorBody | undefined>();

  const verify = async () => {
    setBusy(true);
    const r = await client.call('audit.verify', {});
    setBusy(false);
    setResult(r.ok ? r.value : undefined);
    setError(r.ok ? undefined : r.error);
  };

  return (
    <div className="audit-tool" aria-labelledby="verify-title">
      <h2 id="verify-title" className="audit-tool__title">
        Chain integrity
      </h2>
      <div className="audit-tool__row">
        <button type="button" className="button" disabled={busy} onClick={() => void verify()}>
          {busy ? 'Verifying…' : 'Verify chain'}
        </button>
        <div className="audit-tool__result" role="status" aria-live="polite">
          {result ? <VerifyResult result={result} /> : null}
          {!result && !error && !busy ? (
            <span className="muted">Checks every entry&apos;s MAC against its content and predecessor.</span>
          ) : null}
        </div>
      </div>
      {error ? <ActionError error={error} title="The chain could not be verified." /> : null}
    </div>
  );
}

function VerifyResult(props: { result: AuditVerifyResult }) {
  const { result } = props;
  // Kept on one line: a time split after its date reads as two facts.
  const when = <span className="verify__when">{formatDateTime(result.verifiedAt)}</span>;
  if (result.ok) {
    return (
      <span className="verify verify--ok">
        <span className="badge badge--ok">Chain intact</span> {formatCount(result.checked)} entries checked,
        #1 to #{formatCount(result.lastSeq)}, in {formatCount(result.durationMs)} ms · {when}
      </span>
    );
  }
  const broken = result.firstBroken;
  return (
    <span className="verify verify--broken">
      <span className="badge badge--danger">Chain broken</span>{' '}
      {broken ? (
        <>
          first broken at entry <strong>#{formatCount(broken.seq)}</strong> ({broken.problem}):{' '}
          {PROBLEM_TEXT[broken.problem]}. Entries #1 to #{formatCount(result.lastSeq)} verified.
        </>
      ) : (
        'the node reported a broken chain without a position.'
      )}{' '}
      · {when}
    </span>
  );
}
