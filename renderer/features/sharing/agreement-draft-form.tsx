import { useState } from 'react';
import type { PeerView } from '../../../shared/api/mesh';
import { ActionError } from '../../components/action-error';
import { useAction, useLoad } from './use-load';

const DAY = 86_400_000;
/** A UTC day for the date inputs: agreements run from 00:00 UTC of their days (use-load's whenDay). */
const dateInput = (ms: number) => new Date(ms).toISOString().slice(0, 10);

/** IT drafts the terms; nothing is shared until a compliance officer approves them. */
export function AgreementDraftForm(props: { peers: PeerView[]; onDone: () => void }) {
  const products = useLoad('products.list', {});
  const profiles = useLoad('profiles.list', {});
  const [peer, setPeer] = useState(props.peers[0]?.facilityId ?? '');
  const [chosen, setChosen] = useState<string[]>([]);
  const [purpose, setPurpose] = useState('');
  const [profile, setProfile] = useState('safe-harbor');
  const [k, setK] = useState(5);
  const [starts, setStarts] = useState(dateInput(Date.now()));
  const [expires, setExpires] = useState(dateInput(Date.now() + 365 * DAY));
  const action = useAction();
  if (props.peers.length === 0) {
    return <p className="muted">Enrol and confirm a peer first (Sharing → Peers).</p>;
  }
  return (
    <form
      className="sharing__card"
      aria-label="Draft an agreement"
      onSubmit={(e) => {
        e.preventDefault();
        void action
          .run('agreements.draft', {
            peerFacilityId: peer,
            products: chosen.map((productId) => ({ productId, versionPolicy: 'latest' as const })),
            purpose,
            deidProfile: profile,
            k,
            startsAt: Date.parse(`${starts}T00:00:00Z`),
            expiresAt: Date.parse(`${expires}T00:00:00Z`),
          })
          .then((a) => {
            if (a) props.onDone();
          });
      }}
    >
      <label className="field">
        <span className="field__label">Peer facility</span>
        <select value={peer} onChange={(e) => setPeer(e.target.value)}>
          {props.peers.map((p) => (
            <option key={p.facilityId} value={p.facilityId}>
              {p.displayName}
            </option>
          ))}
        </select>
      </label>
      <fieldset className="field">
        <legend className="field__label">Products</legend>
        {(products.value?.products ?? []).map((p) => (
          <label key={p.name} className="field--inline">
            <input
              type="checkbox"
              checked={chosen.includes(p.name)}
              onChange={(e) =>
                setChosen(e.target.checked ? [...chosen, p.name] : chosen.filter((c) => c !== p.name))
              }
            />
            <span>
              {p.name} <span className="muted">(latest version)</span>
            </span>
          </label>
        ))}
      </fieldset>
      <label className="field">
        <span className="field__label">Purpose</span>
        <input value={purpose} onChange={(e) => setPurpose(e.target.value)} />
      </label>
      <label className="field">
        <span className="field__label">De-identification profile</span>
        <select value={profile} onChange={(e) => setProfile(e.target.value)}>
          {(profiles.value?.profiles ?? []).map((p) => (
            <option key={p.name} value={p.name}>
              {p.name}
            </option>
          ))}
        </select>
      </label>
      <label className="field">
        <span className="field__label">
          k (smallest group of patients; the profile's own k applies if higher)
        </span>
        <input type="number" min={1} max={1000} value={k} onChange={(e) => setK(Number(e.target.value))} />
      </label>
      <label className="field">
        <span className="field__label">Starts (00:00 UTC)</span>
        <input type="date" value={starts} onChange={(e) => setStarts(e.target.value)} />
      </label>
      <label className="field">
        <span className="field__label">Expires (00:00 UTC)</span>
        <input type="date" value={expires} onChange={(e) => setExpires(e.target.value)} />
      </label>
      <div className="sharing__actions">
        <button
          type="submit"
          className="button button--primary"
          disabled={action.busy || chosen.length === 0}
        >
          Save draft
        </button>
        <button type="button" className="button" onClick={props.onDone}>
          Cancel
        </button>
      </div>
      {action.error ? <ActionError error={action.error} title="The draft was not saved." /> : null}
    </form>
  );
}
