/** The top-level screens, in navigation order. `path` is the hash path without `#`. */
export const SCREENS = [
  { id: 'live', label: 'Live vitals', path: '/live' },
  { id: 'patients', label: 'Patients', path: '/patients' },
  { id: 'sources', label: 'Sources', path: '/sources' },
  { id: 'products', label: 'Products', path: '/products' },
  { id: 'sharing', label: 'Sharing', path: '/sharing' },
  { id: 'audit', label: 'Audit', path: '/audit' },
  { id: 'exports', label: 'Exports', path: '/exports' },
  { id: 'settings', label: 'Settings', path: '/settings' },
] as const;

export type ScreenId = (typeof SCREENS)[number]['id'];

export const SETTINGS_PAGES = [
  { id: 'node', label: 'Node', path: '/settings/node' },
  { id: 'users', label: 'Users', path: '/settings/users' },
  { id: 'alarms', label: 'Alarm defaults', path: '/settings/alarms' },
  { id: 'health', label: 'Health', path: '/settings/health' },
  { id: 'retention', label: 'Retention', path: '/settings/retention' },
] as const;
export type SettingsPageId = (typeof SETTINGS_PAGES)[number]['id'];

export type Route =
  | { screen: Exclude<ScreenId, 'settings' | 'patients'> }
  /** `#/patients/12`: one patient's view (trends, alarms), opened from a bed tile. */
  | { screen: 'patients'; patientId?: number }
  | { screen: 'settings'; page: SettingsPageId }
  | { screen: 'not_found'; path: string };

export const DEFAULT_ROUTE: Route = { screen: 'live' };

/** Reads a location hash (`#/settings/node`); an empty hash is the default screen. */
export function parseHash(hash: string): Route {
  const path = hash.replace(/^#/, '');
  const parts = path.split('/').filter((part) => part !== '');
  const [first, second, ...rest] = parts;
  if (first === undefined) return DEFAULT_ROUTE;
  if (rest.length > 0) return { screen: 'not_found', path };
  if (first === 'settings') {
    // The settings section opens on its first page.
    if (second === undefined) return { screen: 'settings', page: SETTINGS_PAGES[0].id };
    const page = SETTINGS_PAGES.find((candidate) => candidate.id === second);
    return page ? { screen: 'settings', page: page.id } : { screen: 'not_found', path };
  }
  if (first === 'patients' && second !== undefined) {
    return /^[1-9]\d{0,15}$/.test(second)
      ? { screen: 'patients', patientId: Number(second) }
      : { screen: 'not_found', path };
  }
  const screen = SCREENS.find((candidate) => candidate.id === first && candidate.id !== 'settings');
  if (!screen || second !== undefined || screen.id === 'settings') return { screen: 'not_found', path };
  return { screen: screen.id };
}

/** The one hash each route is shown at; parseHash(hrefFor(r)) equals r. */
export function hrefFor(route: Route): string {
  if (route.screen === 'settings') return `#/settings/${route.page}`;
  if (route.screen === 'not_found') return `#${route.path}`;
  if (route.screen === 'patients' && route.patientId !== undefined) return `#/patients/${route.patientId}`;
  return `#/${route.screen}`;
}

export const sameRoute = (a: Route, b: Route): boolean => hrefFor(a) === hrefFor(b);

export function titleFor(route: Route): string {
  if (route.screen === 'not_found') return 'Page not found';
  return SCREENS.find((screen) => screen.id === route.screen)?.label ?? 'VitalMesh';
}
