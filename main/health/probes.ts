import { X509Certificate } from 'node:crypto';
import { readFileSync, statfsSync } from 'node:fs';
import type { HealthItem } from '../../shared/api/health';
import type { BackupService } from '../backup/service';
import type { Hl7IngestService } from '../ingest/hl7/service';
import type { Db } from '../store/database';
import type { Store } from '../store/store';
import { isoOrNull, result, type AlertCondition, type HealthProbe } from './probe';

const MINUTE = 60_000;
const DAY = 86_400_000;

/** Free and total bytes of the file system holding `dir`. */
export function diskOf(dir: string): { freeBytes: number; totalBytes: number; freePercent: number } {
  const s = statfsSync(dir);
  const totalBytes = s.blocks * s.bsize;
  const freeBytes = s.bavail * s.bsize;
  return { freeBytes, totalBytes, freePercent: totalBytes === 0 ? 0 : (100 * freeBytes) / totalBytes };
}

/** Store file, WAL and the disk they live on. `disk` is injectable so the rule can be tested. */
export function storeProbe(store: Store, disk: () => ReturnType<typeof diskOf>): HealthProbe {
  const probe = { id: 'store', label: 'Store and disk' };
  return {
    ...probe,
    collect({ settings }) {
      const sizes = store.sizes();
      const d = disk();
      const alerts: AlertCondition[] = [];
      if (d.freePercent < settings.freeDiskPercent) {
        alerts.push({
          rule: 'disk-low',
          severity: d.freePercent < settings.freeDiskPercent / 2 ? 'critical' : 'warning',
          subject: 'data-dir',
          message: `only ${d.freePercent.toFixed(1)} % of the data disk is free (alert under ${settings.freeDiskPercent} %)`,
        });
      }
      return result(
        probe,
        `${d.freePercent.toFixed(1)} % free`,
        [
          {
            name: 'store',
            status: alerts.length > 0 ? alerts[0]!.severity : 'ok',
            facts: {
              ...sizes,
              freeBytes: d.freeBytes,
              totalBytes: d.totalBytes,
              freePercent: Math.round(d.freePercent * 10) / 10,
            },
          },
        ],
        alerts,
      );
    },
  };
}

export function backupProbe(backups: BackupService): HealthProbe {
  const probe = { id: 'backups', label: 'Backups' };
  return {
    ...probe,
    collect({ now, settings }) {
      const status = backups.status();
      const last = backups.last();
      const alerts: AlertCondition[] = [];
      const okAt = status.lastSuccess ? Date.parse(status.lastSuccess.finishedAt) : null;
      if (!status.configured) {
        alerts.push({
          rule: 'backup-not-configured',
          severity: 'warning',
          subject: 'backups',
          message: 'no backup folder is configured (operations.backup.dir or VITALMESH_BACKUP_DIR)',
        });
      } else if (okAt === null || now - okAt > settings.backupMaxAgeHours * 3_600_000) {
        alerts.push({
          rule: 'backup-stale',
          severity: 'warning',
          subject: 'backups',
          message:
            okAt === null
              ? 'no verified backup yet'
              : `the last verified backup is ${Math.round((now - okAt) / 3_600_000)} h old (alert after ${settings.backupMaxAgeHours} h)`,
        });
      }
      if (last?.outcome === 'failed') {
        alerts.push({
          rule: 'backup-failed',
          severity: 'critical',
          subject: 'backups',
          message: `the last backup failed: ${last.error ?? 'unknown error'}`,
        });
      }
      const items: HealthItem[] = status.recent.slice(0, 5).map((r) => ({
        name: r.file,
        status: r.outcome === 'ok' ? 'ok' : 'critical',
        facts: { finishedAt: r.finishedAt, bytes: r.bytes, schemaVersion: r.schemaVersion, error: r.error },
      }));
      return result(
        probe,
        status.lastSuccess ? `last verified ${status.lastSuccess.finishedAt}` : 'none yet',
        items,
        alerts,
      );
    },
  };
}

interface DeviceRow {
  identifier: string;
  kind: string | null;
  last_seen_at: number;
}

/** A silence threshold as people say it: "90 s" under two minutes, else minutes. */
const silentAfter = (minutes: number): string =>
  minutes < 2 ? `${Math.round(minutes * 60)} s` : `${Math.round(minutes * 10) / 10} min`;

/**
 * The HL7 feeds: listener connections, and per device how long since its last message. A device
 * heard from in the last day that has gone quiet for longer than the threshold is a silent feed;
 * one silent for more than a day is taken as decommissioned and no longer raised.
 */
export function hl7Probe(db: Db, hl7: Hl7IngestService | undefined): HealthProbe {
  const probe = { id: 'hl7', label: 'Bedside device feeds (HL7 v2 / MLLP)' };
  const devices = db.prepare<[number], DeviceRow>(
    'SELECT identifier, kind, last_seen_at FROM devices WHERE last_seen_at > ? ORDER BY identifier LIMIT 500',
  );
  return {
    ...probe,
    collect({ now, settings }) {
      const silentMs = settings.feedSilentMinutes * MINUTE;
      const alerts: AlertCondition[] = [];
      const items: HealthItem[] = devices.all(now - DAY).map((d) => {
        const age = Math.max(0, now - d.last_seen_at);
        const silent = age > silentMs;
        if (silent) {
          alerts.push({
            rule: 'feed-silent',
            severity: 'warning',
            subject: `device:${d.identifier}`,
            message: `device ${d.identifier} has sent nothing for ${Math.round(age / 1000)} s (alert after ${silentAfter(settings.feedSilentMinutes)})`,
          });
        }
        return {
          name: d.identifier,
          status: silent ? 'warning' : 'ok',
          facts: {
            kind: d.kind,
            lastMessageAt: isoOrNull(d.last_seen_at),
            lastMessageAgeSeconds: Math.round(age / 1000),
            silent,
          },
        };
      });
      const c = hl7?.ingest.counters;
      const received = c?.received ?? 0;
      const rejectedRate = received === 0 ? 0 : (c?.rejected ?? 0) / received;
      const connections = hl7?.connections().length ?? 0;
      items.unshift({
        name: 'listener',
        status: 'ok',
        facts: {
          enabled: hl7 !== undefined,
          connections,
          messagesPerSecond: hl7?.ingest.rate() ?? 0,
          received,
          rejected: c?.rejected ?? 0,
          rejectedRate: Math.round(rejectedRate * 10_000) / 10_000,
          lastMessageAt: isoOrNull(c?.lastMessageAt),
        },
      });
      const summary = hl7
        ? `${connections} connected, ${alerts.length} silent of ${items.length - 1} devices`
        : 'listener off';
      return result(probe, summary, items, alerts);
    },
  };
}

interface SourceRow {
  name: string;
  state: string;
  enabled: number;
  last_error: string | null;
  last_run_at: number | null;
  last_success_at: number | null;
}

export function fhirProbe(db: Db): HealthProbe {
  const probe = { id: 'fhir', label: 'FHIR sources' };
  const sources = db.prepare<[], SourceRow>(
    'SELECT name, state, enabled, last_error, last_run_at, last_success_at FROM fhir_sources ORDER BY name',
  );
  return {
    ...probe,
    collect() {
      const alerts: AlertCondition[] = [];
      const items: HealthItem[] = sources.all().map((s) => {
        const failing = s.enabled === 1 && (s.state === 'error' || s.state === 'stopped');
        if (failing) {
          alerts.push({
            rule: 'fhir-source-failing',
            severity: s.state === 'stopped' ? 'critical' : 'warning',
            subject: `fhir:${s.name}`,
            message: `FHIR source ${s.name}: ${s.last_error ?? s.state}`,
          });
        }
        return {
          name: s.name,
          status: failing ? 'warning' : 'ok',
          facts: {
            state: s.state,
            enabled: s.enabled === 1,
            lastRunAt: isoOrNull(s.last_run_at),
            lastSuccessAt: isoOrNull(s.last_success_at),
            lastError: s.last_error,
          },
        };
      });
      return result(probe, `${items.length} sources`, items, alerts);
    },
  };
}

/** A certificate to watch: the mesh's own (from the store) and any PEM file the node serves. */
export interface WatchedCertificate {
  readonly name: string;
  readonly notAfter: () => number | undefined;
}

export const pemFileCertificate = (name: string, file: string): WatchedCertificate => ({
  name,
  notAfter: () => Date.parse(new X509Certificate(readFileSync(file)).validTo),
});

/** The newest CA and node certificate of the mesh (migration 0520), when the mesh has made them. */
export function meshCertificates(db: Db): WatchedCertificate[] {
  const newest = db.prepare<[string], { not_after: number }>(
    'SELECT not_after FROM mesh_certificates WHERE kind = ? ORDER BY id DESC LIMIT 1',
  );
  return (
    [
      ['ca', 'Mesh CA certificate'],
      ['node', 'Mesh node certificate'],
    ] as const
  ).map(([kind, name]) => ({
    name,
    notAfter: () => newest.get(kind)?.not_after,
  }));
}

export function certificateProbe(certs: readonly WatchedCertificate[]): HealthProbe {
  const probe = { id: 'certificates', label: 'Keys and certificates' };
  return {
    ...probe,
    collect({ now, settings }) {
      const alerts: AlertCondition[] = [];
      const items: HealthItem[] = [];
      for (const cert of certs) {
        let notAfter: number | undefined;
        try {
          notAfter = cert.notAfter();
        } catch (error) {
          items.push({ name: cert.name, status: 'warning', facts: { error: (error as Error).message } });
          continue;
        }
        if (notAfter === undefined) continue;
        const daysLeft = Math.floor((notAfter - now) / DAY);
        const expiring = daysLeft < settings.certificateDays;
        if (expiring) {
          alerts.push({
            rule: 'certificate-expiring',
            severity: daysLeft < 7 ? 'critical' : 'warning',
            subject: `certificate:${cert.name}`,
            message:
              daysLeft < 0
                ? `${cert.name} expired on ${new Date(notAfter).toISOString().slice(0, 10)}`
                : `${cert.name} expires in ${daysLeft} days (${new Date(notAfter).toISOString().slice(0, 10)})`,
          });
        }
        items.push({
          name: cert.name,
          status: expiring ? (daysLeft < 7 ? 'critical' : 'warning') : 'ok',
          facts: { notAfter: new Date(notAfter).toISOString(), daysLeft },
        });
      }
      return result(probe, `${items.length} watched`, items, alerts);
    },
  };
}
