import { useAppState } from '../../app/context';
import { hrefFor } from '../../app/routes';
import { mayOpenSettingsPage } from '../../app/screen-access';
import { useNodeHealth } from '../settings/use-node-health';
import './health.css';

/**
 * The banner above every screen while an alert fires, for those who can act on it (IT: whoever
 * may open Settings → Health). Others never subscribe.
 */
export function AlertBanner() {
  const role = useAppState((state) => state.session.user?.role);
  if (!mayOpenSettingsPage('health', role)) return null;
  return <FiringAlerts />;
}

function FiringAlerts() {
  const { health } = useNodeHealth(10_000);
  const alerts = health?.operations?.alerts ?? [];
  if (alerts.length === 0) return null;
  const critical = alerts.some((a) => a.severity === 'critical');
  // The worst first, and among equals the newest: what just went wrong is what IT wants to read.
  const first = [...alerts].sort(
    (a, b) =>
      Number(b.severity === 'critical') - Number(a.severity === 'critical') || b.since.localeCompare(a.since),
  )[0]!;
  return (
    <p className={`alert-banner${critical ? ' alert-banner--critical' : ''}`} role="alert">
      {alerts.length === 1 ? '1 alert' : `${alerts.length} alerts`}: {first.message}
      {alerts.length > 1 ? ` (and ${alerts.length - 1} more)` : ''}.{' '}
      <a href={hrefFor({ screen: 'settings', page: 'health' })}>Open Health</a>
    </p>
  );
}
