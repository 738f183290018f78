import { afterEach, expect, it } from 'vitest';
import { ALERT_DEFAULTS } from '../config/operations';
import { openScratchStore } from '../ingest/hl7/test-support';
import { createLogger } from '../log/logger';
import type { AuditInput } from '../audit/chain';
import { storedAlertState } from './alert-state';
import { HealthMonitor, type AlertEvent } from './monitor';
import type { AlertCondition, HealthProbe } from './probe';

const logger = createLogger({ level: 'silent' });
let store: ReturnType<typeof openScratchStore> | undefined;
afterEach(() => store?.close());

/** A probe reporting whatever conditions the test sets. */
function probe(conditions: { current: AlertCondition[] }): HealthProbe {
  return {
    id: 'test',
    label: 'Test',
    collect: () => ({
      report: { id: 'test', label: 'Test', status: 'ok', summary: '', items: [] },
      alerts: conditions.current,
    }),
  };
}

const disk: AlertCondition = { rule: 'disk-low', severity: 'warning', subject: 'data', message: 'disk low' };
const feed: AlertCondition = {
  rule: 'feed-silent',
  severity: 'warning',
  subject: 'bed-1',
  message: 'no data',
};

function monitor(
  db: ReturnType<typeof openScratchStore>['db'],
  conditions: { current: AlertCondition[] },
  now: number,
) {
  const events: AlertEvent[] = [];
  const audited: AuditInput[] = [];
  const m = new HealthMonitor({
    probes: [probe(conditions)],
    settings: { ...ALERT_DEFAULTS, webhookUrl: undefined },
    disk: () => ({ freeBytes: 1, totalBytes: 2, freePercent: 50 }),
    lastBackupAt: () => null,
    audit: (e) => audited.push(e),
    logger,
    facility: 'Test',
    state: storedAlertState(db, logger),
    now: () => now,
  });
  m.onAlert((e) => events.push(e));
  return { m, events, audited };
}

it('a restart neither re-fires what still fires nor forgets what cleared while the node was down', () => {
  store = openScratchStore();
  const conditions = { current: [disk, feed] };
  const first = monitor(store.db, conditions, Date.parse('2026-12-01T08:00:00Z'));
  first.m.check();
  expect(first.events.map((e) => `${e.kind} ${e.alert.id}`)).toEqual([
    'fired disk-low:data',
    'fired feed-silent:bed-1',
  ]);

  // The node restarts (same encrypted store); the feed came back while it was down.
  conditions.current = [disk];
  const second = monitor(store.db, conditions, Date.parse('2026-12-01T09:00:00Z'));
  const health = second.m.check();
  expect(second.events.map((e) => `${e.kind} ${e.alert.id}`)).toEqual(['cleared feed-silent:bed-1']);
  expect(second.audited.map((e) => e.action)).toEqual(['alert.cleared']);
  // Still the alert that fired at 08:00, not a new one.
  expect(health.alerts).toEqual([
    expect.objectContaining({ id: 'disk-low:data', since: '2026-12-01T08:00:00.000Z' }),
  ]);

  // Once it clears, a third start has nothing to announce.
  conditions.current = [];
  second.m.check();
  const third = monitor(store.db, conditions, Date.parse('2026-12-01T10:00:00Z'));
  third.m.check();
  expect(third.events).toEqual([]);
});

it('unreadable stored alerts start the monitor with none instead of failing the start', () => {
  store = openScratchStore();
  store.db.prepare(`INSERT INTO node_meta (key, value) VALUES ('health.firing_alerts', '{not json')`).run();
  const conditions = { current: [disk] };
  const m = monitor(store.db, conditions, Date.now());
  m.m.check();
  expect(m.events.map((e) => `${e.kind} ${e.alert.id}`)).toEqual(['fired disk-low:data']);
});
