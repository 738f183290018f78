import { useState, type KeyboardEvent } from 'react';
import { SOURCE_SECTIONS } from './sources-sections';
import './sources.css';

/** Sources: the feeds this node ingests from, one tab per kind of source (see sources-sections.ts). */
export function SourcesScreen() {
  const [selected, setSelected] = useState(SOURCE_SECTIONS[0]?.id);
  const current = SOURCE_SECTIONS.find((s) => s.id === selected) ?? SOURCE_SECTIONS[0];
  if (!current) return null;

  // Arrow keys move between tabs, as the WAI-ARIA tabs pattern expects.
  const onKeyDown = (event: KeyboardEvent) => {
    if (event.key !== 'ArrowRight' && event.key !== 'ArrowLeft') return;
    const at = SOURCE_SECTIONS.indexOf(current);
    const step = event.key === 'ArrowRight' ? 1 : -1;
    const next = SOURCE_SECTIONS[(at + step + SOURCE_SECTIONS.length) % SOURCE_SECTIONS.length];
    if (next) {
      setSelected(next.id);
      document.getElementById(`sources-tab-${next.id}`)?.focus();
    }
  };

  return (
    <div className="sources">
      <div className="sources__tabs" role="tablist" aria-label="Kinds of source" onKeyDown={onKeyDown}>
        {SOURCE_SECTIONS.map((section) => (
          <button
            key={section.id}
            id={`sources-tab-${section.id}`}
            type="button"
            role="tab"
            className="sources__tab"
            aria-selected={section.id === current.id}
            aria-controls={`sources-panel-${section.id}`}
            tabIndex={section.id === current.id ? 0 : -1}
            onClick={() => setSelected(section.id)}
          >
            {section.label}
          </button>
        ))}
      </div>
      <div
        id={`sources-panel-${current.id}`}
        role="tabpanel"
        aria-labelledby={`sources-tab-${current.id}`}
        className="sources__panel"
      >
        <current.Panel />
      </div>
    </div>
  );
}
