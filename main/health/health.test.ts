import { createServer } from 'node:http';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { opensslSelfSigned } from '../testing/openssl';
import { hashPassword } from '../auth/password';
import { BackupService } from '../backup/service';
import { createKeySource } from '../store/key-source';
import { ALERT_DEFAULTS, type AlertSettings } from '../config/operations';
import { msaOf, sendOneMllp } from '../ingest/hl7/test-support';
import { createLogger } from '../log/logger';
import { pcd01Message, simulatedBed } from '../simulator/pcd01';
import { PatientVitals, seededRandom } from '../simulator/vitals';
import { startTestNode } from '../testing/test-node';
import { tempDir } from '../testing/temp-dir';
import { AuditVerifyProbe } from './audit-probe';
import { meshProbe } from './mesh-probe';
import { HealthMonitor } from './monitor';
import { backupProbe, certificateProbe, fhirProbe, hl7Probe, pemFileCertificate, storeProbe } from './probes';

const DAY = 86_400_000;
let cleanup: (() => Promise<void>) | undefined;
afterEach(async () => {
  await cleanup?.();
  cleanup = undefined;
});

/** A loopback webhook receiver: every POSTed body, parsed. */
async function webhook(): Promise<{
  url: string;
  events: { event: string; alert: { id: string } }[];
  close(): Promise<void>;
}> {
  const events: { event: string; alert: { id: string } }[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (d: Buffer) => (body += d.toString()));
    req.on('end', () => {
      events.push(JSON.parse(body) as (typeof events)[number]);
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const port = (server.address() as { port: number }).port;
  return {
    url: `http://127.0.0.1:${port}/alerts`,
    events,
    close: () => new Promise((r) => server.close(() => r())),
  };
}

describe('alert rules', () => {
  it('each rule fires and clears, announced in the audit chain and to the webhook', async () => {
    const { dir, cleanup: rmDir } = tempDir();
    const backupDir = join(dir, 'backups');
    const started = await startTestNode({
      operations: {
        retentionScheduleHours: 0,
        backup: { dir: backupDir, intervalHours: 24, keep: 3 },
        alerts: { ...ALERT_DEFAULTS, webhookUrl: undefined },
        metrics: false,
      },
    });
    const hook = await webhook();
    cleanup = async () => {
      await started.cleanup();
      await hook.close();
      rmDir();
    };
    const { node } = started;
    // A certificate valid for 60 days, from a real PEM file.
    opensslSelfSigned(dir, 'tls', 'vitalmesh-test', 60);
    const certFile = join(dir, 'tls.crt');

    // The node's own monitor announced its start-up alerts before this point.
    const firstSeq = node.access.audit.chain.lastSeq();
    let now = Date.now();
    let freePercent = 50;
    const settings: AlertSettings = { ...ALERT_DEFAULTS, feedSilentMinutes: 1, webhookUrl: hook.url };
    const disk = () => ({ freeBytes: freePercent * 1e9, totalBytes: 100e9, freePercent });
    const auditProbe = new AuditVerifyProbe(node.access.audit.chain, () => now);
    const monitor = new HealthMonitor({
      probes: [
        storeProbe(node.store, disk),
        backupProbe(node.operations.backups),
        hl7Probe(node.store.db, node.hl7),
        fhirProbe(node.store.db),
        certificateProbe([pemFileCertificate('MLLP TLS certificate', certFile)]),
        auditProbe,
        meshProbe(node.store.db),
      ],
      settings,
      disk,
      lastBackupAt: () => null,
      audit: (e) => node.access.audit.append(e),
      logger: createLogger({ level: 'silent' }),
      facility: 'Test facility',
      now: () => now,
    });
    const firing = () =>
      monitor
        .check()
        .alerts.map((a) => a.id)
        .sort();

    // No backup yet: stale. A verified backup clears it.
    expect(firing()).toEqual(['backup-stale:backups']);
    await node.operations.backups.run('test');
    expect(firing()).toEqual([]);

    // A monitor sends, then goes quiet for longer than the threshold.
    const bed = simulatedBed(0, seededRandom(5), 'ICU');
    const send = async (id: string) =>
      expect(
        msaOf(
          await sendOneMllp(
            node.hl7!.listener.port,
            pcd01Message(bed, new PatientVitals(seededRandom(6)).next(), id, Date.now()),
          ),
        ).code,
      ).toBe('AA');
    await send('H1');
    node.hl7!.ingest.flush();
    now = Date.now() + 30_000;
    expect(firing()).toEqual([]);
    now = Date.now() + 2 * 60_000;
    expect(firing()).toEqual([`feed-silent:device:${bed.eui64}^EUI-64`]);
    const item = monitor
      .health()
      .probes.find((p) => p.id === 'hl7')!
      .items.find((i) => i.name === `${bed.eui64}^EUI-64`)!;
    expect(item).toMatchObject({ status: 'warning', facts: { silent: true } });
    now = Date.now();
    await send('H2');
    node.hl7!.ingest.flush();
    expect(firing()).toEqual([]);

    // Free disk under the threshold (10 %); critical under half of it.
    freePercent = 8;
    expect(firing()).toEqual(['disk-low:data-dir']);
    freePercent = 4;
    expect(monitor.check().alerts[0]).toMatchObject({ severity: 'critical' });
    freePercent = 50;
    expect(firing()).toEqual([]);

    // The certificate enters its last 30 days.
    now = Date.now() + 35 * DAY;
    const expiring = firing();
    // (35 days on, the backup is stale too.)
    expect(expiring).toEqual([
      'backup-stale:backups',
      'certificate-expiring:certificate:MLLP TLS certificate',
    ]);
    now = Date.now();
    expect(firing()).toEqual([]);

    // A backup fails (its folder is a file now): critical until one succeeds.
    // Same store, same backup_runs table, so the node's probe sees this run as the last one.
    const broken = new BackupService({
      db: node.store.db,
      dataDir: node.config.dataDir,
      keys: await createKeySource(node.config),
      settings: { dir: certFile, intervalHours: 24, keep: 3 },
      audit: (e) => node.access.audit.append(e),
      logger: createLogger({ level: 'silent' }),
    });
    expect((await broken.run('test')).outcome).toBe('failed');
    expect(firing()).toEqual(['backup-failed:backups']);
    expect((await node.operations.backups.run('test')).outcome).toBe('ok');
    expect(firing()).toEqual([]);

    // A FHIR source in error.
    node.store.db
      .prepare(
        `INSERT INTO fhir_sources (name, base_url, auth_kind, resources, page_size, state, last_error, created_at, updated_at)
         VALUES ('lab', 'http://127.0.0.1:1/fhir', 'none', '[]', 100, 'error', 'connect ECONNREFUSED', ?, ?)`,
      )
      .run(now, now);
    expect(firing()).toEqual(['fhir-source-failing:fhir:lab']);
    node.store.db.prepare("UPDATE fhir_sources SET state = 'ok', last_error = NULL WHERE name = 'lab'").run();
    expect(firing()).toEqual([]);

    // A peer we pull from stops answering: three failed pulls in a row; one success clears it.
    node.store.db
      .prepare(
        `INSERT INTO mesh_peers (facility_id, display_name, endpoint, ca_pem, ca_fingerprint, status, imported_by, imported_at, last_contact_at)
         VALUES ('f-north', 'North Hospital', '127.0.0.1:1', 'pem', 'fp', 'active', 'it', ?, ?)`,
      )
      .run(now, now - 3_600_000);
    node.store.db
      .prepare(
        `INSERT INTO mesh_subscriptions (peer_facility_id, product_id, created_at, last_success_at, failures, last_error)
         VALUES ('f-north', 'vitals', ?, ?, 3, 'UNAVAILABLE')`,
      )
      .run(now, now - 3_600_000);
    expect(firing()).toEqual(['peer-unreachable:peer:f-north']);
    const peer = monitor.check().probes.find((p) => p.id === 'mesh')!.items[0]!;
    expect(peer.facts).toMatchObject({ lagSeconds: 3600, failures: 3 });
    node.store.db.prepare('UPDATE mesh_subscriptions SET failures = 0, last_success_at = ?').run(now);
    expect(firing()).toEqual([]);

    // Someone edits an audit entry: the next verification fails; put back, it passes again.
    const db = node.store.db;
    const victim = db.prepare('SELECT seq, details FROM audit_log ORDER BY seq LIMIT 1').get() as {
      seq: number;
      details: string;
    };
    db.prepare('UPDATE audit_log SET details = ? WHERE seq = ?').run('{"edited":true}', victim.seq);
    auditProbe.verifyNow();
    expect(firing()).toEqual(['audit-verify-failed:audit-chain']);
    db.prepare('UPDATE audit_log SET details = ? WHERE seq = ?').run(victim.details, victim.seq);
    auditProbe.verifyNow();
    expect(firing()).toEqual([]);

    // Every firing and clearing reached the webhook and the audit chain, once each.
    await monitor.close();
    const rules = [
      'backup-stale',
      'feed-silent',
      'disk-low',
      'certificate-expiring',
      'backup-failed',
      'fhir-source-failing',
      'audit-verify-failed',
      'peer-unreachable',
    ];
    for (const rule of rules) {
      const fired = hook.events.filter((e) => e.event === 'fired' && e.alert.id.startsWith(rule)).length;
      const cleared = hook.events.filter((e) => e.event === 'cleared' && e.alert.id.startsWith(rule)).length;
      expect(fired, rule).toBeGreaterThan(0);
      expect(cleared, rule).toBe(fired);
    }
    const audited = db
      .prepare("SELECT action, target FROM audit_log WHERE action LIKE 'alert.%' AND seq > ?")
      .all(firstSeq) as {
      action: string;
    }[];
    expect(audited.filter((a) => a.action === 'alert.fired').length).toBe(
      hook.events.filter((e) => e.event === 'fired').length,
    );
    expect(audited.filter((a) => a.action === 'alert.cleared').length).toBe(
      hook.events.filter((e) => e.event === 'cleared').length,
    );
  }, 60_000);

  it('node.health carries disk, probes and alerts, and says degraded while one fires', async () => {
    const started = await startTestNode();
    cleanup = started.cleanup;
    const health = started.node.operations.health.health();
    // A node without a backup folder says so.
    expect(health.alerts.map((a) => a.rule)).toContain('backup-not-configured');
    expect(health.disk.totalBytes).toBeGreaterThan(0);
    expect(health.probes.map((p) => p.id)).toEqual([
      'store',
      'backups',
      'hl7',
      'fhir',
      'certificates',
      'audit',
      'mesh',
    ]);
    const user = started.node.access.users.add({
      username: 'nurse-h',
      displayName: 'N',
      role: 'clinician',
      passwordHash: await hashPassword('health-test-password'),
    });
    const token = started.node.access.sessions.create(user.id, 'console').token;
    const answer = await started.node.api.call({ host: 'console', token }, 'node.health', {});
    expect(answer).toMatchObject({
      ok: true,
      value: { status: 'degraded', operations: { alerts: [{ rule: 'backup-not-configured' }] } },
    });
  });
});
