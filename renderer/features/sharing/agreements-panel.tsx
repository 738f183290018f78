import { useState } from 'react';
import type { AgreementView } from '../../../shared/api/mesh';
import { mayCall, METHOD_ACCESS } from '../../../shared/permissions';
import { ActionError } from '../../components/action-error';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useAppState } from '../../app/context';
import { AgreementDraftForm } from './agreement-draft-form';
import { AgreementPreview } from './agreement-preview';
import { formatDateTime } from '../../format/time';
import { useAction, useLoad, whenDay } from './use-load';

export const STATE_BADGE: Record<AgreementView['effectiveState'], string> = {
  draft: 'badge--warn',
  approved: 'badge--muted',
  active: 'badge--ok',
  expired: 'badge--muted',
  revoked: 'badge--danger',
  superseded: 'badge--muted',
};

/** Sharing → Agreements: what each peer may pull, under which terms; draft, preview, approve, revoke. */
export function AgreementsPanel() {
  const role = useAppState((s) => s.session.user?.role);
  const list = useLoad('agreements.list', {});
  const peers = useLoad('peers.list', {});
  const [drafting, setDrafting] = useState(false);
  const names = new Map((peers.value?.peers ?? []).map((p) => [p.facilityId, p.displayName]));
  const mayDraft = mayCall(METHOD_ACCESS['agreements.draft'], role);
  return (
    <div className="sharing__stack">
      <div className="sharing__head">
        <h2 className="sharing__title">Sharing agreements</h2>
        {mayDraft && !drafting ? (
          <button type="button" className="button button--primary" onClick={() => setDrafting(true)}>
            Draft an agreement
          </button>
        ) : null}
      </div>
      {drafting ? (
        <AgreementDraftForm
          peers={(peers.value?.peers ?? []).filter((p) => p.status === 'active')}
          onDone={() => {
            setDrafting(false);
            list.reload();
          }}
        />
      ) : null}
      {list.error ? <ApiErrorAlert error={list.error} what="the agreements" /> : null}
      {list.value && list.value.agreements.length === 0 ? (
        <p className="muted">
          No agreements. Nothing leaves this node until IT drafts an agreement and a compliance officer
          approves it.
        </p>
      ) : null}
      {list.value?.agreements.map((a) => (
        <AgreementCard
          key={a.id}
          agreement={a}
          peerName={names.get(a.peerFacilityId)}
          onChanged={list.reload}
        />
      ))}
    </div>
  );
}

function AgreementCard(props: {
  agreement: AgreementView;
  peerName: string | undefined;
  onChanged: () => void;
}) {
  const a = props.agreement;
  const role = useAppState((s) => s.session.user?.role);
  const me = useAppState((s) => s.session.user?.username);
  const [previewing, setPreviewing] = useState(false);
  const [history, setHistory] = useState(false);
  const [revoking, setRevoking] = useState(false);
  const [reason, setReason] = useState('');
  const action = useAction();
  const mayApprove = mayCall(METHOD_ACCESS['agreements.approve'], role) && a.state === 'draft';
  const mayRevoke =
    mayCall(METHOD_ACCESS['agreements.revoke'], role) && a.state !== 'revoked' && a.state !== 'superseded';
  const titleId = `agreement-${a.id}`;
  return (
    <section className="sharing__card" aria-labelledby={titleId} data-testid={`agreement-${a.id}`}>
      <div className="sharing__head">
        <h3 id={titleId} className="sharing__subtitle">
          {props.peerName ?? a.peerFacilityId} · {a.products.map((p) => p.productId).join(', ')} · v
          {a.version}
        </h3>
        <span className={`badge ${STATE_BADGE[a.effectiveState]}`} data-testid="agreement-state">
          {a.effectiveState}
        </span>
      </div>
      <dl className="sharing__facts">
        <div>
          <dt>Purpose</dt>
          <dd>{a.purpose}</dd>
        </div>
        <div>
          <dt>De-identification</dt>
          <dd>
            {a.deidProfile}, k ≥ {a.k}
          </dd>
        </div>
        <div>
          <dt>In force</dt>
          <dd>
            {whenDay(a.startsAt)} – {whenDay(a.expiresAt)}
          </dd>
        </div>
        <div>
          <dt>Drafted</dt>
          <dd>
            by {a.createdBy}, {formatDateTime(a.createdAt)}
          </dd>
        </div>
        <div>
          <dt>Approved</dt>
          <dd>{a.approvedBy ? `by ${a.approvedBy}, ${formatDateTime(a.approvedAt)}` : 'not yet'}</dd>
        </div>
        {a.revokedBy ? (
          <div>
            <dt>Revoked</dt>
            <dd>
              by {a.revokedBy}, {formatDateTime(a.revokedAt)}: {a.revokeReason}
            </dd>
          </div>
        ) : null}
      </dl>
      <div className="sharing__actions">
        <button type="button" className="button button--small" onClick={() => setPreviewing(!previewing)}>
          {previewing ? 'Hide preview' : 'Preview what would leave the building'}
        </button>
        <button type="button" className="button button--small" onClick={() => setHistory(!history)}>
          {history ? 'Hide history' : 'History'}
        </button>
        {mayApprove ? (
          <button
            type="button"
            className="button button--primary button--small"
            disabled={action.busy || a.createdBy === me}
            title={a.createdBy === me ? 'Someone other than the drafter approves' : undefined}
            onClick={() =>
              void action
                .run('agreements.approve', { id: a.id, version: a.version })
                .then(() => props.onChanged())
            }
          >
            Approve v{a.version}
          </button>
        ) : null}
        {mayRevoke && !revoking ? (
          <button
            type="button"
            className="button button--danger button--small"
            onClick={() => setRevoking(true)}
          >
            Revoke…
          </button>
        ) : null}
      </div>
      {revoking ? (
        <form
          className="sharing__inline-form"
          onSubmit={(e) => {
            e.preventDefault();
            void action.run('agreements.revoke', { id: a.id, reason }).then((r) => {
              if (r) {
                setRevoking(false);
                props.onChanged();
              }
            });
          }}
        >
          <label className="field">
            <span className="field__label">Reason (kept in the audit)</span>
            <input value={reason} onChange={(e) => setReason(e.target.value)} />
          </label>
          <button type="submit" className="button button--danger button--small" disabled={action.busy}>
            Revoke now — open streams stop
          </button>
          <button type="button" className="button button--small" onClick={() => setRevoking(false)}>
            Keep
          </button>
        </form>
      ) : null}
      {action.error ? <ActionError error={action.error} title="The agreement was not changed." /> : null}
      {previewing ? <AgreementPreview id={a.id} version={a.version} /> : null}
      {history ? <AgreementHistory id={a.id} /> : null}
    </section>
  );
}

function AgreementHistory(props: { id: string }) {
  const h = useLoad('agreements.history', { id: props.id }, props.id);
  if (h.error) return <ApiErrorAlert error={h.error} what="the history" />;
  if (!h.value) return <p className="muted">Loading the history…</p>;
  return (
    <table className="dense-table" aria-label="Versions of the agreement">
      <thead>
        <tr>
          <th scope="col">Version</th>
          <th scope="col">State</th>
          <th scope="col">Terms</th>
          <th scope="col">Drafted</th>
          <th scope="col">Approved</th>
          <th scope="col">Revoked</th>
        </tr>
      </thead>
      <tbody>
        {h.value.versions.map((v) => (
          <tr key={v.version}>
            <td>v{v.version}</td>
            <td>
              <span className={`badge ${STATE_BADGE[v.effectiveState]}`}>{v.effectiveState}</span>
            </td>
            <td>
              {v.products.map((p) => p.productId).join(', ')} · {v.deidProfile} · k ≥ {v.k} · until{' '}
              {whenDay(v.expiresAt)}
            </td>
            <td>
              {v.createdBy}, {formatDateTime(v.createdAt)}
            </td>
            <td>{v.approvedBy ? `${v.approvedBy}, ${formatDateTime(v.approvedAt)}` : '—'}</td>
            <td>{v.revokedBy ? `${v.revokedBy}: ${v.revokeReason ?? ''}` : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
