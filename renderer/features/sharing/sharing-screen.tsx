import { useState, type ComponentType, type KeyboardEvent } from 'react';
import type { MethodName } from '../../../shared/api/contract';
import { mayCall, METHOD_ACCESS } from '../../../shared/permissions';
import { useAppState } from '../../app/context';
import { AgreementsPanel } from './agreements-panel';
import { PeersPanel } from './peers-panel';
import { ReceivedPanel } from './received-panel';
import '../../components/dense-table.css';
import '../../components/form.css';
import './sharing.css';

const SECTIONS: readonly { id: string; label: string; need: MethodName; Panel: ComponentType }[] = [
  { id: 'peers', label: 'Peers', need: 'peers.list', Panel: PeersPanel },
  { id: 'agreements', label: 'Agreements', need: 'agreements.list', Panel: AgreementsPanel },
  { id: 'received', label: 'Received products', need: 'received.list', Panel: ReceivedPanel },
];

/** Sharing: peer facilities, the agreements that let them pull, and what they shared with us. */
export function SharingScreen() {
  const role = useAppState((s) => s.session.user?.role);
  const sections = SECTIONS.filter((s) => mayCall(METHOD_ACCESS[s.need], role));
  const [selected, setSelected] = useState<string | undefined>();
  const current = sections.find((s) => s.id === selected) ?? sections[0];
  if (!current) return <p className="muted">Your role has nothing to do on the Sharing screen.</p>;

  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const at = sections.indexOf(current);
    const step = event.key === 'ArrowRight' ? 1 : -1;
    const next = sections[(at + step + sections.length) % sections.length];
    if (next) {
      setSelected(next.id);
      document.getElementById(`sharing-tab-${next.id}`)?.focus();
    }
  };

  return (
    <div className="sharing">
      <div className="sharing__tabs" role="tablist" aria-label="Sharing" onKeyDown={onKeyDown}>
        {sections.map((s) => (
          <button
            key={s.id}
            id={`sharing-tab-${s.id}`}
            type="button"
            role="tab"
            className="sharing__tab"
            aria-selected={s.id === current.id}
            aria-controls={`sharing-panel-${s.id}`}
            tabIndex={s.id === current.id ? 0 : -1}
            onClick={() => setSelected(s.id)}
          >
            {s.label}
          </button>
        ))}
      </div>
      <div id={`sharing-panel-${current.id}`} role="tabpanel" aria-labelledby={`sharing-tab-${current.id}`}>
        <current.Panel />
      </div>
    </div>
  );
}
