import { useState } from 'react';
import { mayCall, METHOD_ACCESS } from '../../../shared/permissions';
import { ActionError } from '../../components/action-error';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useAppState } from '../../app/context';
import { formatCount } from '../../format/count';
import { formatDateTime } from '../../format/time';
import { cellText, useAction, useLoad } from './use-load';

/** Sharing → Received products: what peers shared with us, how fresh, and the rows themselves. */
export function ReceivedPanel() {
  const role = useAppState((s) => s.session.user?.role);
  const subs = useLoad('received.list', {});
  const isIt = mayCall(METHOD_ACCESS['received.subscribe'], role);
  const mayRead = mayCall(METHOD_ACCESS['received.rows'], role);
  const [open, setOpen] = useState<string | undefined>();
  const action = useAction();
  return (
    <div className="sharing__stack">
      {isIt ? <SubscribeForm onChanged={subs.reload} /> : null}
      <h2 className="sharing__title">Received products</h2>
      {subs.error ? <ApiErrorAlert error={subs.error} what="the received products" /> : null}
      {subs.value && subs.value.subscriptions.length === 0 ? (
        <p className="muted">Nothing received yet. Peers' products appear here once subscribed and pulled.</p>
      ) : null}
      {subs.value && subs.value.subscriptions.length > 0 ? (
        <table className="dense-table" aria-label="Received products">
          <thead>
            <tr>
              <th scope="col">From</th>
              <th scope="col">Product</th>
              <th scope="col" className="cell-num">
                Rows
              </th>
              <th scope="col" className="cell-num">
                Batches
              </th>
              <th scope="col">Last batch</th>
              <th scope="col">Last pull</th>
              <th scope="col">Problem</th>
              <th scope="col">Actions</th>
            </tr>
          </thead>
          <tbody>
            {subs.value.subscriptions.map((s) => {
              const key = `${s.peerFacilityId}/${s.productId}`;
              return (
                <tr key={key} data-testid={`received-${s.productId}`}>
                  <td>{s.peerName ?? s.peerFacilityId}</td>
                  <td>{s.productId}</td>
                  <td className="cell-num" data-testid="received-rows">
                    {formatCount(s.rowsReceived)}
                  </td>
                  <td className="cell-num">{formatCount(s.batchesReceived)}</td>
                  <td>{s.lastBatchAt === null ? 'never' : formatDateTime(s.lastBatchAt)}</td>
                  <td>{s.lastPullAt === null ? 'never' : formatDateTime(s.lastPullAt)}</td>
                  <td>{s.lastError ? <span className="sharing__error">{s.lastError}</span> : '—'}</td>
                  <td>
                    {/* A flex <td> stops being a table cell (its border and row fell out of line). */}
                    <div className="sharing__actions">
                      {isIt ? (
                        <button
                          type="button"
                          className="button button--small"
                          disabled={action.busy}
                          onClick={() =>
                            void action
                              .run('received.pull', { facilityId: s.peerFacilityId, productId: s.productId })
                              .then(() => subs.reload())
                          }
                        >
                          Pull now
                        </button>
                      ) : null}
                      {mayRead ? (
                        <button
                          type="button"
                          className="button button--small"
                          onClick={() => setOpen(open === key ? undefined : key)}
                        >
                          {open === key ? 'Hide rows' : 'Show rows'}
                        </button>
                      ) : null}
                    </div>
                  </td>
                </tr>
              );
            })}
          </tbody>
        </table>
      ) : null}
      {action.error ? <ActionError error={action.error} title="The pull did not run." /> : null}
      {open ? (
        <ReceivedRows
          facilityId={open.split('/')[0]!}
          productId={open.split('/')[1]!}
          total={
            subs.value?.subscriptions.find((s) => `${s.peerFacilityId}/${s.productId}` === open)?.rowsReceived
          }
        />
      ) : null}
    </div>
  );
}

const SHOWN_ROWS = 50;

function ReceivedRows(props: { facilityId: string; productId: string; total: number | undefined }) {
  const r = useLoad(
    'received.rows',
    { facilityId: props.facilityId, productId: props.productId, limit: SHOWN_ROWS },
    `${props.facilityId}/${props.productId}`,
  );
  if (r.error) return <ApiErrorAlert error={r.error} what="the received rows" />;
  if (!r.value) return <p className="muted">Loading rows…</p>;
  const { columns, rows } = r.value;
  return (
    <div className="sharing__scroll">
      {/* Only the first rows are shown: say so, or 50 rows read as everything that arrived. */}
      {props.total !== undefined && props.total > rows.length ? (
        <p className="muted sharing__rows-note">
          The first {formatCount(rows.length)} of {formatCount(props.total)} rows, in received order.
        </p>
      ) : null}
      <table className="dense-table" aria-label={`Rows of ${props.productId}`}>
        <thead>
          <tr>
            {r.value.columns.map((c) => (
              <th key={c} scope="col">
                {c}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {r.value.rows.map((row, i) => (
            <tr key={i}>
              {row.map((v, j) => (
                <td key={j}>{cellText(columns[j], v)}</td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

/** IT picks an active peer, asks it for its catalog for us, and subscribes (then pulls once). */
function SubscribeForm(props: { onChanged: () => void }) {
  const peers = useLoad('peers.list', {});
  const active = (peers.value?.peers ?? []).filter((p) => p.status === 'active');
  const [peer, setPeer] = useState('');
  const catalogAction = useAction();
  const action = useAction();
  const [catalog, setCatalog] = useState<
    { productId: string; purpose: string; profile: string }[] | undefined
  >();
  const chosenPeer = peer || active[0]?.facilityId || '';
  if (active.length === 0) return null;
  return (
    <section className="sharing__card" aria-labelledby="subscribe-title">
      <h2 id="subscribe-title" className="sharing__title">
        Products peers offer us
      </h2>
      <div className="sharing__actions">
        <label className="field">
          <span className="field__label">Peer</span>
          <select className="field__input" value={chosenPeer} onChange={(e) => setPeer(e.target.value)}>
            {active.map((p) => (
              <option key={p.facilityId} value={p.facilityId}>
                {p.displayName}
              </option>
            ))}
          </select>
        </label>
        <button
          type="button"
          className="button"
          disabled={catalogAction.busy}
          onClick={() =>
            void catalogAction
              .run('received.catalog', { facilityId: chosenPeer })
              .then((c) => setCatalog(c?.products))
          }
        >
          Ask for its catalog
        </button>
      </div>
      {catalogAction.error ? (
        <ActionError error={catalogAction.error} title="The peer's catalog could not be read." />
      ) : null}
      {catalog && catalog.length === 0 ? (
        <p className="muted">This peer has no active agreement with us.</p>
      ) : null}
      {catalog?.map((p) => (
        <div key={p.productId} className="sharing__actions">
          <span>
            <strong>{p.productId}</strong> · {p.purpose} · {p.profile}
          </span>
          <button
            type="button"
            className="button button--primary button--small"
            disabled={action.busy}
            onClick={() =>
              void (async () => {
                const s = await action.run('received.subscribe', {
                  facilityId: chosenPeer,
                  productId: p.productId,
                });
                if (!s) return;
                await action.run('received.pull', { facilityId: chosenPeer, productId: p.productId });
                props.onChanged();
              })()
            }
          >
            Subscribe and pull {p.productId}
          </button>
        </div>
      ))}
      {action.error ? <ActionError error={action.error} title="Not subscribed." /> : null}
    </section>
  );
}
