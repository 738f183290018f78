import { useState } from 'react';
import { Tabs } from '../../components/tabs';
import { SOURCE_SECTIONS } from './sources-sections';
import './sources.css';

/** Sources: the feeds this node ingests from, one tab per kind of source (see sources-sections.ts). */
export function SourcesScreen() {
  const [selected, setSelected] = useState(SOURCE_SECTIONS[0]?.id);
  const current = SOURCE_SECTIONS.find((s) => s.id === selected) ?? SOURCE_SECTIONS[0];
  if (!current) return null;
  return (
    <div className="sources">
      <Tabs
        idPrefix="sources"
        label="Kinds of source"
        tabs={SOURCE_SECTIONS}
        selected={current.id}
        onSelect={setSelected}
        panelClassName="sources__panel"
      >
        <current.Panel />
      </Tabs>
    </div>
  );
}
