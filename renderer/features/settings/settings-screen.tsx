import { hrefFor, SETTINGS_PAGES, type SettingsPageId } from '../../app/routes';
import { NodeHealthPanel } from './node-health-panel';
import './settings.css';

/** Settings: a section with its own pages; each page is a plain link like the main navigation. */
export function SettingsScreen(props: { page: SettingsPageId }) {
  return (
    <div className="settings">
      <nav className="subnav" aria-label="Settings">
        <ul>
          {SETTINGS_PAGES.map((page) => (
            <li key={page.id}>
              <a
                className="subnav__link"
                href={hrefFor({ screen: 'settings', page: page.id })}
                aria-current={page.id === props.page ? 'page' : undefined}
              >
                {page.label}
              </a>
            </li>
          ))}
        </ul>
      </nav>
      <div className="settings__page">
        <SettingsPage page={props.page} />
      </div>
    </div>
  );
}

function SettingsPage(props: { page: SettingsPageId }) {
  switch (props.page) {
    case 'node':
      return <NodeHealthPanel />;
  }
}
