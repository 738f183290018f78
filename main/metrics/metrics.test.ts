import parsePrometheusTextFormat from 'parse-prometheus-text-format';
import { afterEach, describe, expect, it } from 'vitest';
import { startConsole, type ConsoleServer } from '../console/server';
import { msaOf, sendOneMllp } from '../ingest/hl7/test-support';
import { createLogger } from '../log/logger';
import { pcd01Message, simulatedBed } from '../simulator/pcd01';
import { PatientVitals, seededRandom } from '../simulator/vitals';
import { startTestNode } from '../testing/test-node';
import { createMetrics } from './metrics';

let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

async function consoleFor(withMetrics: boolean) {
  const started = await startTestNode();
  const { node } = started;
  const server: ConsoleServer = await startConsole({
    api: node.api,
    logger: createLogger({ level: 'silent' }),
    host: '127.0.0.1',
    port: 0,
    liveness: () => ({ status: 'ok', version: 'test' }),
    metrics: withMetrics
      ? createMetrics({
          store: node.store,
          db: node.store.db,
          hl7: node.hl7,
          health: () => node.operations.health.health(),
        })
      : undefined,
  });
  cleanup = async () => {
    await server.close();
    await started.cleanup();
  };
  return { node, url: server.url };
}

const value = (
  families: ReturnType<typeof parsePrometheusTextFormat>,
  name: string,
  labels: Record<string, string> = {},
) => {
  const family = families.find((f) => f.name === name);
  if (!family) throw new Error(`no metric ${name}`);
  const sample = family.metrics.find((m) => Object.entries(labels).every(([k, v]) => m.labels?.[k] === v));
  return Number(sample?.value);
};

describe('/metrics', () => {
  it('serves Prometheus text format that an independent parser reads, with ingest, store, exports and alert figures', async () => {
    const { node, url } = await consoleFor(true);
    const port = node.hl7!.listener.port;
    const bed = simulatedBed(0, seededRandom(2), 'ICU');
    const vitals = new PatientVitals(seededRandom(3));
    for (const id of ['M1', 'M2']) {
      expect(msaOf(await sendOneMllp(port, pcd01Message(bed, vitals.next(), id, Date.now()))).code).toBe(
        'AA',
      );
    }
    // A resend of M2: acknowledged, not stored twice.
    expect(msaOf(await sendOneMllp(port, pcd01Message(bed, vitals.next(), 'M2', Date.now()))).code).toBe(
      'AA',
    );

    const response = await fetch(`${url}/metrics`);
    expect(response.status).toBe(200);
    expect(response.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    const families = parsePrometheusTextFormat(await response.text());
    const types = Object.fromEntries(families.map((f) => [f.name, f.type]));
    expect(types).toMatchObject({
      vitalmesh_hl7_messages_total: 'COUNTER',
      vitalmesh_hl7_observations_total: 'COUNTER',
      vitalmesh_hl7_connections: 'GAUGE',
      vitalmesh_store_bytes: 'GAUGE',
      vitalmesh_store_wal_bytes: 'GAUGE',
      vitalmesh_disk_free_bytes: 'GAUGE',
      vitalmesh_backup_last_success_timestamp_seconds: 'GAUGE',
      vitalmesh_alerts_firing: 'GAUGE',
      vitalmesh_exports: 'GAUGE',
      vitalmesh_fhir_source_up: 'GAUGE',
      vitalmesh_mesh_received_rows: 'GAUGE',
    });
    expect(value(families, 'vitalmesh_hl7_messages_total', { outcome: 'accepted' })).toBe(2);
    expect(value(families, 'vitalmesh_hl7_messages_total', { outcome: 'duplicates' })).toBe(1);
    expect(value(families, 'vitalmesh_hl7_messages_total', { outcome: 'rejected' })).toBe(0);
    expect(value(families, 'vitalmesh_hl7_observations_total')).toBe(node.hl7!.ingest.counters.observations);
    expect(value(families, 'vitalmesh_store_bytes')).toBe(node.store.sizes().storeBytes);
    // No backup folder: one warning firing.
    expect(value(families, 'vitalmesh_alerts_firing', { severity: 'warning' })).toBe(1);

    // A second scrape counts on from the first, it does not double.
    expect(msaOf(await sendOneMllp(port, pcd01Message(bed, vitals.next(), 'M3', Date.now()))).code).toBe(
      'AA',
    );
    const again = parsePrometheusTextFormat(await (await fetch(`${url}/metrics`)).text());
    expect(value(again, 'vitalmesh_hl7_messages_total', { outcome: 'accepted' })).toBe(3);
  });

  it('is off unless asked for', async () => {
    const { url } = await consoleFor(false);
    expect((await fetch(`${url}/metrics`)).status).toBe(404);
  });
});
