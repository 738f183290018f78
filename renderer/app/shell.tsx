import { useRef } from 'react';
import type { NodeInfo } from '../../shared/api/node';
import { ROLE_LABELS } from '../../shared/roles';
import { UserMenu } from '../features/auth/user-menu';
import { AlertBanner } from '../features/health/alert-banner';
import { AuditScreen } from '../features/audit/audit-screen';
import { ExportsScreen } from '../features/exports/exports-screen';
import { ProductsScreen } from '../features/products/products-screen';
import { LiveScreen } from '../features/live/live-screen';
import { PatientsScreen } from '../features/patients/patients-screen';
import { SettingsScreen } from '../features/settings/settings-screen';
import { SharingScreen } from '../features/sharing/sharing-screen';
import { SourcesScreen } from '../features/sources/sources-screen';
import { useAppState } from './context';
import { hrefFor, SCREENS, titleFor, type Route } from './routes';
import { mayOpenScreen } from './screen-access';
import './base.css';
import './shell.css';

const HOST_LABELS: Record<NodeInfo['host'], string> = {
  console: 'Web console',
  desktop: 'Desktop app',
  cli: 'Command line',
};

/** The frame every screen sits in: navigation and node identity on the left, the screen on the right. */
export function Shell() {
  const route = useAppState((state) => state.route);
  const nodeInfo = useAppState((state) => state.nodeInfo);
  const role = useAppState((state) => state.session.user?.role);
  const mainRef = useRef<HTMLElement>(null);
  const demo = nodeInfo.state === 'ready' && nodeInfo.value.demo;
  // The node refuses what a role may not call; the navigation doesn't offer it in the first place.
  const screens = SCREENS.filter((screen) => mayOpenScreen(screen.id, role));

  return (
    <div className="shell">
      {/* A button, not a `#main` link: fragment links would be read as routes. */}
      <button type="button" className="skip-link" onClick={() => mainRef.current?.focus()}>
        Skip to content
      </button>
      <aside className="sidebar">
        <NodeIdentity />
        <nav className="nav" aria-label="Main">
          <ul>
            {screens.map((screen) => (
              <li key={screen.id}>
                <a
                  className="nav__link"
                  href={`#${screen.path}`}
                  aria-current={route.screen === screen.id ? 'page' : undefined}
                >
                  {screen.label}
                </a>
              </li>
            ))}
          </ul>
        </nav>
        <UserMenu />
      </aside>
      <main className="content" ref={mainRef} tabIndex={-1}>
        {demo ? (
          <p className="demo-banner">Demo node: its data is for demonstration only, not for clinical use.</p>
        ) : null}
        <AlertBanner />
        <header className="page-header">
          <h1 className="page-header__title">{titleFor(route)}</h1>
        </header>
        <ScreenFor route={route} />
      </main>
    </div>
  );
}

function ScreenFor(props: { route: Route }) {
  const { route } = props;
  const role = useAppState((state) => state.session.user?.role);
  if (route.screen !== 'not_found' && !mayOpenScreen(route.screen, role)) {
    return (
      <section className="panel">
        <p className="panel__lead">
          {role ? `The ${ROLE_LABELS[role]} role can't use this screen.` : "This screen isn't available."}
        </p>
        <a href={hrefFor({ screen: 'settings', page: 'node' })}>Go to Settings</a>
      </section>
    );
  }
  switch (route.screen) {
    case 'live':
      return <LiveScreen />;
    case 'patients':
      return <PatientsScreen patientId={route.patientId} />;
    case 'sources':
      return <SourcesScreen />;
    case 'products':
      return <ProductsScreen />;
    case 'sharing':
      return <SharingScreen />;
    case 'audit':
      return <AuditScreen />;
    case 'exports':
      return <ExportsScreen />;
    case 'settings':
      return <SettingsScreen page={route.page} />;
    case 'not_found':
      return (
        <section className="panel">
          <p className="panel__lead">
            There is no page at <code>{hrefFor(route)}</code>.
          </p>
          <a href={hrefFor({ screen: 'live' })}>Go to Live vitals</a>
        </section>
      );
  }
}

function NodeIdentity() {
  const nodeInfo = useAppState((state) => state.nodeInfo);
  return (
    <div className="identity">
      <p className="identity__product">VitalMesh</p>
      {nodeInfo.state === 'loading' ? <p className="identity__meta">Connecting to the node…</p> : null}
      {nodeInfo.state === 'ready' ? (
        <>
          <p className="identity__facility">
            {nodeInfo.value.facilityName}
            {nodeInfo.value.demo ? <span className="badge badge--demo">Demo</span> : null}
          </p>
          <p className="identity__meta">
            Version {nodeInfo.value.version} · {HOST_LABELS[nodeInfo.value.host]}
          </p>
        </>
      ) : null}
      {nodeInfo.state === 'error' ? (
        <p className="identity__error" role="alert">
          Node info unavailable: <code>{nodeInfo.error.code}</code> {nodeInfo.error.message}
        </p>
      ) : null}
    </div>
  );
}
