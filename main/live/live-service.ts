import type { BedView, LiveValue, VitalsEvent } from '../../shared/api/vitals';
import { createVitalCatalog, type VitalCatalog } from '../../shared/catalog/vital-signs';
import { DEFAULTS } from '../config/config';
import { liveObservationsOf } from '../ingest/hl7/live-feed';
import type { StoredObservations } from '../ingest/hl7/pipeline';
import type { Logger } from '../log/logger';
import type { Db } from '../store/database';
import { AlarmEngine, type HeardValue } from './alarm-engine';
import { signalLostAfter } from './alarm-rules';
import { AlarmStore } from './alarm-store';
import { createLiveBus, type LiveBatch, type LiveBus, type LiveFilter, type LiveObservation } from './bus';
import { PatientDirectory } from './directory';
import { LimitsResolver } from './limits';
import { TrendQuery } from './trends';

/**
 * Continuous parameters are "lost" after this long without a value unless a unit sets its own.
 * The node passes its `signalLostSeconds` setting (main/config); this is the same default.
 */
export const DEFAULT_SIGNAL_LOST_MS = DEFAULTS.signalLostSeconds * 1000;
const TICK_MS = 1000;

export interface LiveServiceOptions {
  readonly db: Db;
  /** The catalog, or the local codes to build it from (config.localCodes, as ingest does). */
  readonly catalog?: VitalCatalog;
  readonly localCodes?: readonly unknown[];
  readonly logger: Logger;
  readonly signalLostMs?: number;
  readonly now?: () => number;
  /** Tests drive the signal-lost check themselves. */
  readonly tickMs?: number | false;
}

/** Live vitals and alarms of one node: what ingest feeds and the vitals/alarms API reads. */
export interface LiveService {
  readonly bus: LiveBus;
  readonly engine: AlarmEngine;
  readonly alarms: AlarmStore;
  readonly limits: LimitsResolver;
  readonly directory: PatientDirectory;
  readonly trends: TrendQuery;
  readonly catalog: VitalCatalog;
  /** Ingest's hook: called after each group commit with what was committed. */
  onStored(batch: readonly StoredObservations[]): void;
  /** Starts a subscription: the snapshot is emitted at once, then batches at most 10 Hz. */
  watch(filter: LiveFilter, emit: (event: VitalsEvent) => void): () => void;
  /**
   * An MLLP connection closed: the beds whose last message came on it (and not since on another)
   * get "device disconnected" at once. A connection that carried a single message is a sender
   * that connects per message, so its close is routine and silence decides instead.
   */
  connectionClosed(connectionId: number, messages: number): void;
  signalLostMs(unit: string | null): number;
  setSignalLostMs(unit: string, ms: number, by: string): void;
  close(): void;
}

export function createLiveService(options: LiveServiceOptions): LiveService {
  const now = options.now ?? Date.now;
  const catalog = options.catalog ?? createVitalCatalog(options.localCodes ?? []);
  const log = options.logger.child({ module: 'live' });
  const defaultLostMs = options.signalLostMs ?? DEFAULT_SIGNAL_LOST_MS;
  const directory = new PatientDirectory(options.db, now);
  const alarms = new AlarmStore(options.db);
  const unitOf = (id: number) => directory.unitOf(id);
  const bus = createLiveBus({
    locate: unitOf,
    now,
    onError: (err) => log.error({ err }, 'live delivery failed'),
  });
  const limits = new LimitsResolver(alarms, catalog, unitOf);
  const lostByUnit = new Map<string, number>();
  /** Patient → the connection its latest message came on. */
  const lastConnection = new Map<number, number>();
  const signalLostMs = (unit: string | null): number => {
    if (unit === null) return defaultLostMs;
    let ms = lostByUnit.get(unit);
    if (ms === undefined) lostByUnit.set(unit, (ms = alarms.signalLostMs(unit) ?? defaultLostMs));
    return ms;
  };
  const engine = new AlarmEngine({
    store: alarms,
    limits,
    unitOf,
    signalLostMs,
    now,
    publish: (changed) => bus.publishAlarms(changed),
  });
  const timer =
    options.tickMs === false
      ? undefined
      : setInterval(() => {
          try {
            options.db.transaction(() => engine.tick())();
          } catch (err) {
            log.error({ err }, 'alarm tick failed');
          }
        }, options.tickMs ?? TICK_MS);
  timer?.unref();

  const staleAfter = (unit: string | null): Record<string, number> => {
    const ms = signalLostMs(unit);
    return Object.fromEntries(catalog.vitals.map((v) => [v.id, signalLostAfter(v.id, ms)]));
  };

  /** Values for a bed: the bus's latest, else (after a restart) the store's latest per code. */
  const latestFor = (patientId: number): LiveValue[] => {
    const live = bus.latest(patientId);
    if (live.length > 0) return live.map((o) => ({ ...o }));
    const out: LiveObservation[] = [];
    for (const vital of catalog.vitals) {
      const stored = directory.latestStored(patientId, vital.id);
      if (stored) out.push({ patientId, code: vital.id, ...stored });
    }
    // Seeding the bus keeps the next snapshot cheap; a newer live value still replaces these.
    if (out.length > 0) bus.publish(out);
    return out;
  };

  const eventOf = (batch: LiveBatch): VitalsEvent => ({
    snapshot: false,
    serverTime: now(),
    beds: batch.newPatients.map((id) => directory.bed(id)).filter((b): b is BedView => b !== undefined),
    values: batch.values.map((o) => ({ ...o })),
    alarms: batch.alarms,
    staleAfterMs: {},
  });

  return {
    bus,
    engine,
    alarms,
    limits,
    directory,
    trends: new TrendQuery(options.db),
    catalog,

    onStored(batch) {
      bus.publish(liveObservationsOf(batch));
      for (const stored of batch) lastConnection.set(stored.patientId, stored.connectionId);
      // The engine also hears channels sent without a value: the device is still there.
      const heard: HeardValue[] = [];
      for (const stored of batch) {
        for (const o of stored.observations) {
          const value = o.valueNum !== undefined && Number.isFinite(o.valueNum) ? o.valueNum : undefined;
          heard.push({ patientId: stored.patientId, code: o.code, value, receivedAt: stored.receivedAt });
        }
      }
      try {
        // One transaction for the alarm episodes this batch starts and ends (one write, not one each).
        options.db.transaction(() => engine.observe(heard))();
      } catch (err) {
        // The values are committed and shown; an alarm store failure must not undo that.
        log.error({ err }, 'alarm evaluation failed');
      }
    },

    watch(filter, emit) {
      const beds =
        'unit' in filter
          ? directory.inUnit(filter.unit)
          : [directory.bed(filter.patientId)].filter((b): b is BedView => b !== undefined);
      const unit = 'unit' in filter ? filter.unit : (beds[0]?.unit ?? null);
      const snapshot: VitalsEvent = {
        snapshot: true,
        serverTime: now(),
        beds,
        values: beds.flatMap((b) => latestFor(b.patientId)),
        alarms: beds.flatMap((b) => engine.activeFor(b.patientId)),
        staleAfterMs: staleAfter(unit),
      };
      // Subscribed after the snapshot is read, so seeding from the store isn't sent twice.
      const subscription = bus.subscribe(filter, (batch) => emit(eventOf(batch)));
      emit(snapshot);
      return () => subscription.close();
    },

    connectionClosed(connectionId, messages) {
      const gone: number[] = [];
      for (const [patientId, id] of lastConnection) {
        if (id !== connectionId) continue;
        gone.push(patientId);
        lastConnection.delete(patientId);
      }
      if (messages < 2 || gone.length === 0) return;
      log.info({ connection: connectionId, patients: gone.length }, 'monitor connection closed');
      try {
        engine.disconnected(gone);
      } catch (err) {
        log.error({ err }, 'device-disconnected alarm failed');
      }
    },

    signalLostMs,
    setSignalLostMs(unit, ms, by) {
      alarms.setSignalLostMs(unit, ms, by, now());
      lostByUnit.delete(unit);
    },

    close() {
      if (timer) clearInterval(timer);
      bus.close();
    },
  };
}
