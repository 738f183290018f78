import { Counter, Gauge, Registry, collectDefaultMetrics } from 'prom-client';
import type { OperationsHealth } from '../../shared/api/health';
import type { Hl7IngestService } from '../ingest/hl7/service';
import type { Db } from '../store/database';
import type { Store } from '../store/store';

export interface MetricsDeps {
  readonly store: Store;
  readonly db: Db;
  readonly hl7: Hl7IngestService | undefined;
  readonly health: () => OperationsHealth;
}

/** What the console serves at /metrics. */
export interface Metrics {
  readonly contentType: string;
  text(): Promise<string>;
}

/**
 * Prometheus text format for the node (issue 9): ingest, FHIR sync, mesh, exports, store, backups
 * and alerts, read from the live components at scrape time. Its own registry, never prom-client's
 * global one, so two nodes in one process (tests) don't share figures. Labels carry source and
 * peer names, never patient data or device identifiers.
 */
export function createMetrics(deps: MetricsDeps): Metrics {
  const registry = new Registry();
  collectDefaultMetrics({ register: registry, prefix: 'vitalmesh_process_' });
  const { db } = deps;

  // Counters mirror the ingest's own counters: each scrape adds what they grew by since the last.
  const seen = new Map<string, number>();
  const grow = (counter: Counter<string>, key: string, labels: Record<string, string>, value: number) => {
    const delta = value - (seen.get(key) ?? 0);
    if (delta > 0) counter.inc(labels, delta);
    seen.set(key, value);
  };
  const messages = new Counter({
    name: 'vitalmesh_hl7_messages_total',
    help: 'HL7 v2 messages received over MLLP since the node started, by outcome.',
    labelNames: ['outcome'],
    registers: [registry],
    collect() {
      const c = deps.hl7?.ingest.counters;
      for (const outcome of ['accepted', 'duplicates', 'rejected'] as const) {
        this.inc({ outcome }, 0);
        if (c) grow(messages, outcome, { outcome }, c[outcome]);
      }
    },
  });
  const observations = new Counter({
    name: 'vitalmesh_hl7_observations_total',
    help: 'Observations stored from HL7 v2 messages since the node started.',
    registers: [registry],
    collect() {
      grow(observations, 'observations', {}, deps.hl7?.ingest.counters.observations ?? 0);
    },
  });
  void observations;
  gauge(
    registry,
    'vitalmesh_hl7_connections',
    'Open MLLP connections.',
    () => deps.hl7?.connections().length ?? 0,
  );
  gauge(
    registry,
    'vitalmesh_hl7_messages_per_second',
    'HL7 messages per second over the last 10 s.',
    () => deps.hl7?.ingest.rate() ?? 0,
  );
  gauge(
    registry,
    'vitalmesh_hl7_silent_devices',
    'Devices heard from in the last day that are silent now.',
    () => deps.health().alerts.filter((a) => a.rule === 'feed-silent').length,
  );

  const sources = db.prepare<[], { name: string; state: string; last_success_at: number | null }>(
    'SELECT name, state, last_success_at FROM fhir_sources',
  );
  new Gauge({
    name: 'vitalmesh_fhir_source_up',
    help: 'Per FHIR source: 1 unless its last sync failed or it is stopped.',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.all())
        this.set({ source: s.name }, s.state === 'error' || s.state === 'stopped' ? 0 : 1);
    },
  });
  new Gauge({
    name: 'vitalmesh_fhir_last_success_timestamp_seconds',
    help: 'Per FHIR source: when its last successful sync finished (Unix seconds).',
    labelNames: ['source'],
    registers: [registry],
    collect() {
      this.reset();
      for (const s of sources.all())
        if (s.last_success_at !== null) this.set({ source: s.name }, s.last_success_at / 1000);
    },
  });

  const mesh = db.prepare<[], { peer: string; batches: number; rows: number; failures: number }>(
    `SELECT peer_facility_id AS peer, sum(batches_received) AS batches, sum(rows_received) AS rows, sum(failures) AS failures
     FROM mesh_subscriptions GROUP BY peer_facility_id`,
  );
  new Gauge({
    name: 'vitalmesh_mesh_received_rows',
    help: 'Per peer: product rows received over the mesh (all time).',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of mesh.all()) this.set({ peer: m.peer }, m.rows);
    },
  });
  new Gauge({
    name: 'vitalmesh_mesh_pull_failures',
    help: 'Per peer: consecutive failed pulls, summed over its subscriptions.',
    labelNames: ['peer'],
    registers: [registry],
    collect() {
      this.reset();
      for (const m of mesh.all()) this.set({ peer: m.peer }, m.failures);
    },
  });

  const exportsByState = db.prepare<[], { state: string; n: number }>(
    'SELECT state, count(*) AS n FROM dataset_exports GROUP BY state',
  );
  new Gauge({
    name: 'vitalmesh_exports',
    help: 'Dataset exports kept on record, by state.',
    labelNames: ['state'],
    registers: [registry],
    collect() {
      this.reset();
      for (const e of exportsByState.all()) this.set({ state: e.state }, e.n);
    },
  });

  gauge(
    registry,
    'vitalmesh_store_bytes',
    'Size of the encrypted database file.',
    () => deps.store.sizes().storeBytes,
  );
  gauge(
    registry,
    'vitalmesh_store_wal_bytes',
    'Size of its write-ahead log.',
    () => deps.store.sizes().walBytes,
  );
  gauge(
    registry,
    'vitalmesh_disk_free_bytes',
    'Free bytes on the data directory’s file system.',
    () => deps.health().disk.freeBytes,
  );
  gauge(
    registry,
    'vitalmesh_backup_last_success_timestamp_seconds',
    'When the last verified backup finished (Unix seconds; 0 = none).',
    () => {
      const at = deps.health().lastBackupAt;
      return at === null ? 0 : Date.parse(at) / 1000;
    },
  );
  new Gauge({
    name: 'vitalmesh_alerts_firing',
    help: 'Alerts firing now, by severity.',
    labelNames: ['severity'],
    registers: [registry],
    collect() {
      const alerts = deps.health().alerts;
      for (const severity of ['warning', 'critical'] as const)
        this.set({ severity }, alerts.filter((a) => a.severity === severity).length);
    },
  });

  return { contentType: registry.contentType, text: () => registry.metrics() };
}

function gauge(registry: Registry, name: string, help: string, read: () => number): void {
  new Gauge({
    name,
    help,
    registers: [registry],
    collect() {
      this.set(read());
    },
  });
}
