import { useAppState } from '../../app/context';
import { hrefFor, SETTINGS_PAGES, type SettingsPageId } from '../../app/routes';
import { mayOpenSettingsPage } from '../../app/screen-access';
import { AlarmDefaultsPanel } from './alarm-defaults-panel';
import { HealthPanel } from '../health/health-panel';
import { RetentionPanel } from '../retention/retention-panel';
import { NodeHealthPanel } from './node-health-panel';
import { UsersPanel } from './users-panel';
import './settings.css';

/** Settings: a section with its own pages; each page is a plain link like the main navigation. */
export function SettingsScreen(props: { page: SettingsPageId }) {
  const role = useAppState((state) => state.session.user?.role);
  const pages = SETTINGS_PAGES.filter((page) => mayOpenSettingsPage(page.id, role));
  return (
    <div className="settings">
      <nav className="subnav" aria-label="Settings">
        <ul>
          {pages.map((page) => (
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
        {mayOpenSettingsPage(props.page, role) ? (
          <SettingsPage page={props.page} />
        ) : (
          <p className="panel">{REFUSALS[props.page] ?? 'Only facility IT manages user accounts.'}</p>
        )}
      </div>
    </div>
  );
}

const REFUSALS: Partial<Record<SettingsPageId, string>> = {
  alarms: 'Only facility IT sets the units’ alarm defaults.',
  health: 'Only facility IT watches the node’s health and backups.',
  retention: 'Only facility IT and compliance see retention.',
};

function SettingsPage(props: { page: SettingsPageId }) {
  switch (props.page) {
    case 'node':
      return <NodeHealthPanel />;
    case 'users':
      return <UsersPanel />;
    case 'alarms':
      return <AlarmDefaultsPanel />;
    case 'health':
      return <HealthPanel />;
    case 'retention':
      return <RetentionPanel />;
  }
}
