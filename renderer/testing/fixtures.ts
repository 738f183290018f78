import type { NodeHealth, NodeInfo } from '../../shared/api/node';

export const NODE_INFO: NodeInfo = {
  name: 'VitalMesh',
  version: '0.1.0',
  facilityName: 'St. Example Regional Hospital',
  host: 'console',
  demo: true,
};

export const NODE_HEALTH: NodeHealth = {
  status: 'ok',
  version: '0.1.0',
  uptimeSeconds: 7500,
  schemaVersion: 12,
  keySource: 'file',
  storeBytes: 5 * 1024 * 1024,
  walBytes: 4096,
  checkedAt: '2026-11-25T13:00:00.000Z',
};

/** `auth.me` for a logged-in compliance officer: the role that sees the most screens today. */
export const COMPLIANCE_ME = {
  id: 3,
  username: 'demo.compliance',
  displayName: 'Demo Compliance officer',
  role: 'compliance_officer' as const,
  units: [],
  idleTimeoutSeconds: 1800,
};
