import { useState, type ComponentType } from 'react';
import type { MethodName } from '../../../shared/api/contract';
import { mayCall, METHOD_ACCESS } from '../../../shared/permissions';
import { useAppState } from '../../app/context';
import { Tabs } from '../../components/tabs';
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

  return (
    <div className="sharing">
      <Tabs idPrefix="sharing" label="Sharing" tabs={sections} selected={current.id} onSelect={setSelected}>
        <current.Panel />
      </Tabs>
    </div>
  );
}
