import type { MethodName, StreamName } from '../../shared/api/contract';
import { METHOD_ACCESS, STREAM_ACCESS, mayCall } from '../../shared/permissions';
import type { Role } from '../../shared/roles';
import type { ScreenId, SettingsPageId } from './routes';

/** A method or stream a screen can't work without. */
export type Need = { method: MethodName } | { stream: StreamName };

/**
 * What each screen needs from the API, so navigation shows a person only the screens their role
 * can use. The node enforces the matrix on every call; this only hides what would be refused.
 * A screen without an entry is shown to everyone (its owner adds its needs once its methods are in
 * the contract); a screen is shown when the role may use at least one of its needs.
 */
export const SCREEN_NEEDS: Partial<Record<ScreenId, readonly Need[]>> = {
  audit: [{ method: 'audit.search' }],
  live: [{ stream: 'vitals.unit' }],
  patients: [{ stream: 'vitals.patient' }],
  sources: [{ method: 'ingest.status' }, { method: 'fhir.sources.list' }],
  products: [{ method: 'products.list' }],
  exports: [{ method: 'exports.create' }],
  sharing: [{ method: 'peers.list' }, { method: 'agreements.list' }, { method: 'received.list' }],
};

export const SETTINGS_PAGE_NEEDS: Partial<Record<SettingsPageId, readonly Need[]>> = {
  users: [{ method: 'users.list' }],
  alarms: [{ method: 'alarms.setUnitLimit' }],
  health: [{ method: 'backups.status' }],
  retention: [{ method: 'retention.overview' }],
};

const mayUse = (need: Need, role: Role): boolean =>
  'method' in need ? mayCall(METHOD_ACCESS[need.method], role) : mayCall(STREAM_ACCESS[need.stream], role);

const allowed = (needs: readonly Need[] | undefined, role: Role | undefined): boolean =>
  needs === undefined || (role !== undefined && needs.some((need) => mayUse(need, role)));

export const mayOpenScreen = (screen: ScreenId, role: Role | undefined): boolean =>
  allowed(SCREEN_NEEDS[screen], role);

export const mayOpenSettingsPage = (page: SettingsPageId, role: Role | undefined): boolean =>
  allowed(SETTINGS_PAGE_NEEDS[page], role);
