/**
 * The in-process live bus: ingest publishes each committed observation, subscribers (a renderer
 * through either host) get coalesced batches at most `maxHz` times a second. The bus holds no
 * names: patient ids, catalog codes and numbers only; who may see what is checked before
 * subscribing (main/api).
 * @see DESIGN.md "Live vitals"
 */

/** One committed numeric observation, as ingest hands it over after its transaction. */
export interface LiveObservation {
  readonly patientId: number;
  /** Catalog id (`hr`, `spo2`, `nibp-sys`). */
  readonly code: string;
  readonly value: number;
  readonly unit: string | null;
  /** When the device measured it (OBX-14, else OBR-7/MSH-7). */
  readonly observedAt: number;
  /** When the node received it (node clock); signal-lost timing uses this, not the device clock. */
  readonly receivedAt: number;
}

/** An alarm as subscribers see it; produced by the alarm engine, carried by the bus. */
export interface LiveAlarm {
  readonly id: number;
  readonly patientId: number;
  /** Catalog id, or `device` for a device-level technical alarm. */
  readonly code: string;
  readonly kind: 'physiological' | 'technical';
  readonly condition: AlarmCondition;
  /** IEC 60601-1-8 priority: high (red, fast flash), medium (yellow, slow flash), low (cyan, steady). */
  readonly priority: 'high' | 'medium' | 'low';
  readonly value: number | null;
  readonly limit: number | null;
  readonly startedAt: number;
  readonly endedAt: number | null;
  readonly acknowledgedAt: number | null;
  readonly acknowledgedBy: string | null;
  readonly silencedUntil: number | null;
}

export type AlarmCondition =
  'low' | 'high' | 'critical_low' | 'critical_high' | 'signal_lost' | 'device_disconnected';

/** What one delivery carries: the latest value per patient and code, and changed alarms. */
export interface LiveBatch {
  readonly values: LiveObservation[];
  readonly alarms: LiveAlarm[];
  /** Patients this subscriber sees for the first time (a bed filled since it subscribed). */
  readonly newPatients: number[];
}

export type LiveFilter = { readonly unit: string } | { readonly patientId: number };

/**
 * Receives batches. Returning a promise marks the subscriber busy until it settles: meanwhile
 * newer values replace older ones in its pending set, so a slow subscriber gets coalesced latest
 * values, never a backlog.
 */
export type Deliver = (batch: LiveBatch) => void | Promise<void>;

export interface LiveSubscription {
  close(): void;
  /** Pending entries right now (tests: bounded by patients × codes, whatever the input rate). */
  pendingSize(): number;
}

/** Where a patient is: the bus routes unit subscriptions with it. */
export type LocatePatient = (patientId: number) => string | null | undefined;

export interface LiveBus {
  /** Called by ingest after commit. Never throws into the caller. */
  publish(observations: readonly LiveObservation[]): void;
  /** Called by the alarm engine when an alarm starts, changes, is acknowledged or ends. */
  publishAlarms(alarms: readonly LiveAlarm[]): void;
  subscribe(filter: LiveFilter, deliver: Deliver): LiveSubscription;
  /** Latest value per code of one patient (snapshots). */
  latest(patientId: number): LiveObservation[];
  /** Patients with a latest value, for unit snapshots. */
  patientsWithValues(): number[];
  /** A patient moved (ADT) or the location cache is stale: forget where they were. */
  relocate(patientId: number): void;
  subscriberCount(): number;
  close(): void;
}

export interface LiveBusOptions {
  readonly locate: LocatePatient;
  /** At most this many deliveries per second per subscriber (DESIGN.md: ≤ 10 Hz). */
  readonly maxHz?: number;
  readonly onError?: (error: unknown) => void;
  readonly now?: () => number;
}

interface Subscriber {
  readonly filter: LiveFilter;
  readonly deliver: Deliver;
  readonly values: Map<string, LiveObservation>;
  readonly alarms: Map<number, LiveAlarm>;
  readonly newPatients: Set<number>;
  readonly seen: Set<number>;
  lastFlushAt: number;
  timer: ReturnType<typeof setTimeout> | undefined;
  busy: boolean;
  closed: boolean;
}

const LOCATION_TTL_MS = 5000;

const valueKey = (o: { patientId: number; code: string }) => `${o.patientId}\u0000${o.code}`;

export function createLiveBus(options: LiveBusOptions): LiveBus {
  const intervalMs = Math.ceil(1000 / (options.maxHz ?? 10));
  const now = options.now ?? Date.now;
  const onError = options.onError ?? (() => {});
  // Keyed by unit name or patient id; one map type so subscribe/close share the code path.
  const byUnit = new Map<string | number, Set<Subscriber>>();
  const byPatient = new Map<string | number, Set<Subscriber>>();
  const latest = new Map<number, Map<string, LiveObservation>>();
  // Location cache: ingest publishes ~1,600 values a second at 200 beds, so one lookup per
  // patient per few seconds; a transfer (ADT) shows after at most `LOCATION_TTL_MS`.
  const units = new Map<number, { unit: string | null; at: number }>();

  const unitOf = (patientId: number): string | null => {
    const cached = units.get(patientId);
    const t = now();
    if (cached && t - cached.at < LOCATION_TTL_MS) return cached.unit;
    const unit = options.locate(patientId) ?? null;
    units.set(patientId, { unit, at: t });
    return unit;
  };

  const index = (filter: LiveFilter): [Map<string | number, Set<Subscriber>>, string | number] =>
    'unit' in filter ? [byUnit, filter.unit] : [byPatient, filter.patientId];

  function flush(sub: Subscriber): void {
    sub.timer = undefined;
    if (sub.closed || sub.busy) return;
    if (sub.values.size === 0 && sub.alarms.size === 0 && sub.newPatients.size === 0) return;
    const batch: LiveBatch = {
      values: [...sub.values.values()],
      alarms: [...sub.alarms.values()],
      newPatients: [...sub.newPatients],
    };
    sub.values.clear();
    sub.alarms.clear();
    sub.newPatients.clear();
    sub.lastFlushAt = now();
    let result: void | Promise<void>;
    try {
      result = sub.deliver(batch);
    } catch (error) {
      onError(error);
      return;
    }
    if (result instanceof Promise) {
      sub.busy = true;
      result
        .catch(onError)
        .finally(() => {
          sub.busy = false;
          schedule(sub);
        })
        .catch(onError);
    }
  }

  function schedule(sub: Subscriber): void {
    if (sub.closed || sub.busy || sub.timer !== undefined) return;
    if (sub.values.size === 0 && sub.alarms.size === 0 && sub.newPatients.size === 0) return;
    const wait = Math.max(0, sub.lastFlushAt + intervalMs - now());
    sub.timer = setTimeout(() => flush(sub), wait);
  }

  const subscribersFor = (patientId: number): Subscriber[] => {
    const out: Subscriber[] = [];
    const unit = unitOf(patientId);
    if (unit !== null) for (const s of byUnit.get(unit) ?? []) out.push(s);
    for (const s of byPatient.get(patientId) ?? []) out.push(s);
    return out;
  };

  const notePatient = (sub: Subscriber, patientId: number) => {
    if (sub.seen.has(patientId)) return;
    sub.seen.add(patientId);
    sub.newPatients.add(patientId);
  };

  return {
    publish(observations) {
      try {
        const touched = new Set<Subscriber>();
        for (const o of observations) {
          let codes = latest.get(o.patientId);
          if (!codes) latest.set(o.patientId, (codes = new Map<string, LiveObservation>()));
          const previous = codes.get(o.code);
          // A late (resent, reordered) value never replaces a newer one.
          if (previous && previous.observedAt > o.observedAt) continue;
          codes.set(o.code, o);
          for (const sub of subscribersFor(o.patientId)) {
            sub.values.set(valueKey(o), o);
            notePatient(sub, o.patientId);
            touched.add(sub);
          }
        }
        for (const sub of touched) schedule(sub);
      } catch (error) {
        onError(error);
      }
    },

    publishAlarms(alarms) {
      try {
        const touched = new Set<Subscriber>();
        for (const alarm of alarms) {
          for (const sub of subscribersFor(alarm.patientId)) {
            sub.alarms.set(alarm.id, alarm);
            notePatient(sub, alarm.patientId);
            touched.add(sub);
          }
        }
        for (const sub of touched) schedule(sub);
      } catch (error) {
        onError(error);
      }
    },

    subscribe(filter, deliver) {
      const sub: Subscriber = {
        filter,
        deliver,
        values: new Map(),
        alarms: new Map(),
        newPatients: new Set(),
        seen: new Set(),
        lastFlushAt: 0,
        timer: undefined,
        busy: false,
        closed: false,
      };
      // The caller's snapshot already shows the patients there now.
      if ('patientId' in filter) sub.seen.add(filter.patientId);
      else for (const [patientId] of latest) if (unitOf(patientId) === filter.unit) sub.seen.add(patientId);
      const [map, key] = index(filter);
      let set = map.get(key);
      if (!set) map.set(key, (set = new Set()));
      set.add(sub);
      return {
        close() {
          if (sub.closed) return;
          sub.closed = true;
          if (sub.timer !== undefined) clearTimeout(sub.timer);
          sub.timer = undefined;
          sub.values.clear();
          sub.alarms.clear();
          const current = map.get(key);
          current?.delete(sub);
          if (current?.size === 0) map.delete(key);
        },
        pendingSize: () => sub.values.size + sub.alarms.size,
      };
    },

    latest: (patientId) => [...(latest.get(patientId)?.values() ?? [])],
    patientsWithValues: () => [...latest.keys()],
    relocate(patientId) {
      units.delete(patientId);
    },
    subscriberCount() {
      let n = 0;
      for (const set of byUnit.values()) n += set.size;
      for (const set of byPatient.values()) n += set.size;
      return n;
    },
    close() {
      for (const set of [...byUnit.values(), ...byPatient.values()]) {
        for (const sub of set) {
          sub.closed = true;
          if (sub.timer !== undefined) clearTimeout(sub.timer);
        }
      }
      byUnit.clear();
      byPatient.clear();
    },
  };
}
