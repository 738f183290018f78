import type { HealthItem } from '../../shared/api/health';
import type { Db } from '../store/database';
import { isoOrNull, result, type AlertCondition, type HealthProbe } from './probe';

/** Consecutive failed pulls before a peer counts as unreachable. */
export const PEER_FAILURES_ALERT = 3;

interface PeerRow {
  facility_id: string;
  display_name: string;
  status: string;
  last_contact_at: number | null;
  subscriptions: number;
  last_success_at: number | null;
  failures: number | null;
  last_error: string | null;
}

/**
 * The mesh's peers (tables of migration 0520): last contact, and for what we pull from each, the
 * lag since the last successful pull and the failures since. Read from the store, so it needs
 * nothing from the running mesh service.
 */
export function meshProbe(db: Db): HealthProbe {
  const probe = { id: 'mesh', label: 'Mesh peers' };
  const peers = db.prepare<[], PeerRow>(
    `SELECT p.facility_id, p.display_name, p.status, p.last_contact_at,
            count(s.product_id) AS subscriptions, max(s.last_success_at) AS last_success_at,
            max(s.failures) AS failures, max(s.last_error) AS last_error
     FROM mesh_peers p LEFT JOIN mesh_subscriptions s ON s.peer_facility_id = p.facility_id
     WHERE p.status = 'active' GROUP BY p.facility_id ORDER BY p.facility_id`,
  );
  return {
    ...probe,
    collect({ now }) {
      const alerts: AlertCondition[] = [];
      const items: HealthItem[] = peers.all().map((p) => {
        const failing = (p.failures ?? 0) >= PEER_FAILURES_ALERT;
        if (failing) {
          alerts.push({
            rule: 'peer-unreachable',
            severity: 'warning',
            subject: `peer:${p.facility_id}`,
            message: `peer ${p.display_name} (${p.facility_id}): ${p.failures} pulls in a row failed${p.last_error ? `: ${p.last_error}` : ''}`,
          });
        }
        return {
          name: p.display_name,
          status: failing ? 'warning' : 'ok',
          facts: {
            facilityId: p.facility_id,
            lastContactAt: isoOrNull(p.last_contact_at),
            subscriptions: p.subscriptions,
            lagSeconds: p.last_success_at === null ? null : Math.round((now - p.last_success_at) / 1000),
            failures: p.failures ?? 0,
          },
        };
      });
      return result(probe, `${items.length} active peers`, items, alerts);
    },
  };
}
