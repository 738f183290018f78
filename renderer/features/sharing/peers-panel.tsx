import { useState } from 'react';
import type { PeerView } from '../../../shared/api/mesh';
import { mayCall, METHOD_ACCESS } from '../../../shared/permissions';
import { ActionError } from '../../components/action-error';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useAppState } from '../../app/context';
import { formatDateTime } from '../../format/time';
import { useAction, useLoad } from './use-load';

const STATUS_BADGE: Record<PeerView['status'], string> = {
  pending: 'badge--warn',
  active: 'badge--ok',
  suspended: 'badge--danger',
};

/** Sharing → Peers: this facility's bundle, enrolling a peer (fingerprint compared), their status. */
export function PeersPanel() {
  const role = useAppState((s) => s.session.user?.role);
  const peers = useLoad('peers.list', {});
  const isIt = mayCall(METHOD_ACCESS['peers.import'], role);
  return (
    <div className="sharing__stack">
      <OwnIdentity />
      {isIt ? <EnrolForm onChanged={peers.reload} /> : null}
      <section aria-labelledby="peers-title">
        <h2 id="peers-title" className="sharing__title">
          Enrolled peers
        </h2>
        {peers.error ? <ApiErrorAlert error={peers.error} what="the peers" /> : null}
        {peers.value && peers.value.peers.length === 0 ? (
          <p className="muted">No peer facilities yet. Import a peer's enrolment bundle to start.</p>
        ) : null}
        {peers.value && peers.value.peers.length > 0 ? (
          <table className="dense-table" aria-label="Enrolled peers">
            <thead>
              <tr>
                <th scope="col">Facility</th>
                <th scope="col">Status</th>
                <th scope="col">CA fingerprint (SHA-256)</th>
                <th scope="col">Endpoint</th>
                <th scope="col">Last contact</th>
                <th scope="col">Actions</th>
              </tr>
            </thead>
            <tbody>
              {peers.value.peers.map((p) => (
                <PeerRow key={p.facilityId} peer={p} isIt={isIt} onChanged={peers.reload} />
              ))}
            </tbody>
          </table>
        ) : null}
      </section>
    </div>
  );
}

function OwnIdentity() {
  const me = useLoad('mesh.identity', {});
  if (me.error) return <ApiErrorAlert error={me.error} what="this facility's identity" />;
  if (!me.value) return <p className="muted">Asking the node for its identity…</p>;
  const id = me.value;
  return (
    <section className="sharing__card" aria-labelledby="own-title">
      <h2 id="own-title" className="sharing__title">
        This facility: {id.displayName}
      </h2>
      <dl className="sharing__facts">
        <div>
          <dt>Facility id</dt>
          <dd>
            <code>{id.facilityId}</code>
          </dd>
        </div>
        <div>
          <dt>CA fingerprint (SHA-256)</dt>
          <dd>
            <code className="sharing__fingerprint" data-testid="own-fingerprint">
              {id.caFingerprint}
            </code>
          </dd>
        </div>
        <div>
          <dt>Mesh endpoint</dt>
          <dd>{id.endpoint ?? 'listener off (start the node with --mesh-port)'}</dd>
        </div>
        <div>
          <dt>Node certificate valid until</dt>
          <dd>{formatDateTime(id.nodeCertificate.notAfter)}</dd>
        </div>
        <div>
          <dt>CA private key kept in</dt>
          <dd data-testid="own-ca-key">
            {id.caKey.location === 'keychain' ? 'the OS keychain' : 'the encrypted store'}
          </dd>
        </div>
      </dl>
      {id.caKey.note ? (
        <p className="sharing__note" role="status">
          {id.caKey.note}
        </p>
      ) : null}
      {id.bundle ? (
        <label className="field">
          <span className="field__label">
            Enrolment bundle — give this to the peer's IT (public material only)
          </span>
          <textarea
            className="sharing__bundle"
            readOnly
            rows={6}
            value={id.bundle}
            data-testid="own-bundle"
          />
        </label>
      ) : null}
    </section>
  );
}

/** Import, then compare: the peer becomes active only after IT types or pastes the fingerprint. */
function EnrolForm(props: { onChanged: () => void }) {
  const [bundle, setBundle] = useState('');
  const [pending, setPending] = useState<PeerView | undefined>();
  const [fingerprint, setFingerprint] = useState('');
  const [compared, setCompared] = useState(false);
  const [done, setDone] = useState<string | undefined>();
  const action = useAction();
  return (
    <section className="sharing__card" aria-labelledby="enrol-title">
      <h2 id="enrol-title" className="sharing__title">
        Enrol a peer facility
      </h2>
      {done ? (
        <p role="status" className="sharing__ok">
          {done}
        </p>
      ) : null}
      {!pending ? (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run('peers.import', { bundle }).then((peer) => {
              if (!peer) return;
              setPending(peer);
              setDone(undefined);
              props.onChanged();
            });
          }}
        >
          <label className="field">
            <span className="field__label">The peer's enrolment bundle</span>
            <textarea rows={5} value={bundle} onChange={(e) => setBundle(e.target.value)} />
          </label>
          <button
            type="submit"
            className="button button--primary"
            disabled={action.busy || bundle.length < 2}
          >
            Import bundle
          </button>
        </form>
      ) : (
        <form
          onSubmit={(e) => {
            e.preventDefault();
            void action.run('peers.confirm', { facilityId: pending.facilityId, fingerprint }).then((peer) => {
              if (!peer) return;
              setDone(`${peer.displayName} is enrolled and trusted.`);
              setPending(undefined);
              setBundle('');
              setFingerprint('');
              setCompared(false);
              props.onChanged();
            });
          }}
        >
          <p>
            Imported <strong>{pending.displayName}</strong> ({pending.endpoint}) as pending. Its CA
            certificate has this fingerprint:
          </p>
          <p>
            <code className="sharing__fingerprint" data-testid="pending-fingerprint">
              {pending.caFingerprint}
            </code>
          </p>
          <p>
            Call the peer's IT on a number you already know and have them read their CA fingerprint aloud
            (their Sharing → Peers screen shows it). Type what they read below.
          </p>
          <label className="field">
            <span className="field__label">Fingerprint as the peer read it</span>
            <input value={fingerprint} onChange={(e) => setFingerprint(e.target.value)} autoComplete="off" />
          </label>
          <label className="field field--inline">
            <input type="checkbox" checked={compared} onChange={(e) => setCompared(e.target.checked)} />
            <span>I compared it with the peer facility out of band</span>
          </label>
          <button type="submit" className="button button--primary" disabled={!compared || action.busy}>
            Confirm and trust
          </button>
        </form>
      )}
      {action.error ? <ActionError error={action.error} title="The peer was not enrolled." /> : null}
    </section>
  );
}

function PeerRow(props: { peer: PeerView; isIt: boolean; onChanged: () => void }) {
  const { peer } = props;
  const role = useAppState((s) => s.session.user?.role);
  const action = useAction();
  const [removing, setRemoving] = useState(false);
  const act = (method: 'peers.suspend' | 'peers.resume' | 'peers.remove') =>
    void action.run(method, { facilityId: peer.facilityId }).then(() => props.onChanged());
  return (
    <tr data-testid={`peer-${peer.facilityId}`}>
      <td>
        {peer.displayName}
        <br />
        <code className="muted">{peer.facilityId}</code>
      </td>
      <td>
        <span className={`badge ${STATUS_BADGE[peer.status]}`}>{peer.status}</span>
      </td>
      <td>
        <code className="sharing__fingerprint">{peer.caFingerprint}</code>
      </td>
      <td>
        <code>{peer.endpoint}</code>
      </td>
      <td>
        {peer.lastContactAt === null ? 'never' : formatDateTime(peer.lastContactAt)}
        {peer.lastContact ? <span className="muted"> · {peer.lastContact}</span> : null}
      </td>
      <td>
        {/* A flex <td> stops being a table cell (its border and row fell out of line). */}
        <div className="sharing__actions">
          {peer.status === 'active' && mayCall(METHOD_ACCESS['peers.suspend'], role) ? (
            <button type="button" className="button button--small" onClick={() => act('peers.suspend')}>
              Suspend
            </button>
          ) : null}
          {peer.status === 'suspended' && props.isIt ? (
            <button type="button" className="button button--small" onClick={() => act('peers.resume')}>
              Resume
            </button>
          ) : null}
          {props.isIt && !removing ? (
            <button
              type="button"
              className="button button--danger button--small"
              onClick={() => setRemoving(true)}
            >
              Remove…
            </button>
          ) : null}
          {removing ? (
            <>
              <button
                type="button"
                className="button button--danger button--small"
                onClick={() => act('peers.remove')}
              >
                Remove {peer.displayName} and its trust
              </button>
              <button type="button" className="button button--small" onClick={() => setRemoving(false)}>
                Keep
              </button>
            </>
          ) : null}
          {action.error ? <ActionError error={action.error} title="Not changed." /> : null}
        </div>
      </td>
    </tr>
  );
}
