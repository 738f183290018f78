import type { AlarmStore } from './alarm-store';
import { hysteresisFor, limitOf, nextLevel, priorityOf, signalLostAfter, type Level } from './alarm-rules';
import type { AlarmCondition, LiveAlarm } from './bus';
import type { LimitsResolver } from './limits';

/** What the engine hears from ingest: a value, or a device saying it has none (OBX-11 `X`). */
export interface HeardValue {
  readonly patientId: number;
  readonly code: string;
  readonly value: number | undefined;
  readonly receivedAt: number;
}

export interface AlarmEngineOptions {
  readonly store: AlarmStore;
  readonly limits: LimitsResolver;
  /** Alarms that started, changed or ended; the live bus carries them to subscribers. */
  readonly publish: (alarms: LiveAlarm[]) => void;
  readonly unitOf: (patientId: number) => string | null;
  /** A unit's signal-lost time (IT setting, else the node default). */
  readonly signalLostMs: (unit: string | null) => number;
  readonly now?: () => number;
}

interface CodeState {
  level: Level;
  lastAt: number;
  lastValue: number;
  /** The open physiological alarm (high, low, critical) and the open signal-lost alarm, by id. */
  alarmId?: number;
  lostId?: number;
}

interface PatientState {
  readonly codes: Map<string, CodeState>;
  heardAt: number;
  deviceId?: number;
}

/** Patients silent this long are forgotten (discharged, bed empty): their open alarms end. */
const FORGET_AFTER_MS = 12 * 3_600_000;
/** The code technical alarms about the whole device carry. */
export const DEVICE_CODE = 'device';

/**
 * Alarm evaluation: each committed value is judged against the patient's effective limits with
 * hysteresis; a periodic tick raises signal lost (a parameter silent too long) and device
 * disconnected (the whole monitor silent). Every episode is a stored alarm_events row; every
 * start, change and end is published. Single-threaded by design: it runs on the node's loop
 * right after ingest commits.
 * @see IEC 60601-1-8 §6.1 (alarm conditions and priorities)
 */
export class AlarmEngine {
  private readonly patients = new Map<number, PatientState>();
  private readonly active = new Map<number, LiveAlarm>();
  /** Acknowledged alarms whose silence ran out and that were pushed again. */
  private readonly unsilenced = new Set<number>();
  private readonly now: () => number;

  constructor(private readonly o: AlarmEngineOptions) {
    this.now = o.now ?? Date.now;
    // Alarms a stopped node left open end now; live values raise them again if still true.
    o.store.endDangling(this.now());
  }

  observe(values: readonly HeardValue[]): void {
    const changed: LiveAlarm[] = [];
    for (const v of values) {
      let p = this.patients.get(v.patientId);
      if (!p) this.patients.set(v.patientId, (p = { codes: new Map(), heardAt: v.receivedAt }));
      p.heardAt = Math.max(p.heardAt, v.receivedAt);
      if (p.deviceId !== undefined) {
        this.end(p.deviceId, changed);
        p.deviceId = undefined;
      }
      if (v.value === undefined) continue;
      let cs = p.codes.get(v.code);
      if (!cs) p.codes.set(v.code, (cs = { level: 'normal', lastAt: v.receivedAt, lastValue: v.value }));
      cs.lastAt = Math.max(cs.lastAt, v.receivedAt);
      cs.lastValue = v.value;
      if (cs.lostId !== undefined) {
        this.end(cs.lostId, changed);
        cs.lostId = undefined;
      }
      this.judge(v.patientId, v.code, cs, changed);
    }
    if (changed.length > 0) this.o.publish(changed);
  }

  /** Signal lost, device disconnected, silences that ran out; called about once a second. */
  tick(): void {
    const t = this.now();
    const changed: LiveAlarm[] = [];
    for (const [patientId, p] of this.patients) {
      if (t - p.heardAt > FORGET_AFTER_MS) {
        this.endAllOf(p, changed);
        if (p.deviceId !== undefined) this.end(p.deviceId, changed);
        this.patients.delete(patientId);
        continue;
      }
      if (p.deviceId !== undefined) continue;
      const lostMs = this.o.signalLostMs(this.o.unitOf(patientId));
      if (t - p.heardAt > lostMs) {
        // One "device disconnected" says it all; per-parameter alarms would bury it.
        this.endAllOf(p, changed);
        p.deviceId = this.start(patientId, DEVICE_CODE, 'device_disconnected', null, null, changed);
        continue;
      }
      for (const [code, cs] of p.codes) {
        if (cs.lostId !== undefined || t - cs.lastAt <= signalLostAfter(code, lostMs)) continue;
        // Without a value the physiological condition is unknown: that alarm ends, this one starts.
        if (cs.alarmId !== undefined) this.end(cs.alarmId, changed);
        cs.alarmId = undefined;
        cs.level = 'normal';
        cs.lostId = this.start(patientId, code, 'signal_lost', null, null, changed);
      }
    }
    for (const alarm of this.active.values()) {
      if (alarm.silencedUntil !== null && alarm.silencedUntil <= t && !this.unsilenced.has(alarm.id)) {
        this.unsilenced.add(alarm.id);
        changed.push(alarm);
      }
    }
    if (changed.length > 0) this.o.publish(changed);
  }

  /**
   * The monitors of these patients dropped their connection: "device disconnected" now rather
   * than after the signal-lost time. Their next value ends it, as after silence.
   */
  disconnected(patientIds: Iterable<number>): void {
    const changed: LiveAlarm[] = [];
    for (const patientId of patientIds) {
      const p = this.patients.get(patientId);
      if (!p || p.deviceId !== undefined) continue;
      this.endAllOf(p, changed);
      p.deviceId = this.start(patientId, DEVICE_CODE, 'device_disconnected', null, null, changed);
    }
    if (changed.length > 0) this.o.publish(changed);
  }

  /** Limits changed: judge the latest values again at once (a lowered limit alarms now). */
  reevaluate(patientIds: Iterable<number>): void {
    const changed: LiveAlarm[] = [];
    for (const patientId of patientIds) {
      const p = this.patients.get(patientId);
      if (!p || p.deviceId !== undefined) continue;
      for (const [code, cs] of p.codes) if (cs.lostId === undefined) this.judge(patientId, code, cs, changed);
    }
    if (changed.length > 0) this.o.publish(changed);
  }

  /** Patients the engine is watching on a unit (for re-evaluation after a unit limit change). */
  patientsIn(unit: string): number[] {
    return [...this.patients.keys()].filter((id) => this.o.unitOf(id) === unit);
  }

  acknowledge(alarmId: number, by: string, silenceMs: number): LiveAlarm | undefined {
    const t = this.now();
    const updated = this.o.store.acknowledge(alarmId, by, t, t + silenceMs);
    if (!updated) return undefined;
    if (this.active.has(alarmId)) this.active.set(alarmId, updated);
    this.unsilenced.delete(alarmId);
    this.o.publish([updated]);
    return updated;
  }

  get(alarmId: number): LiveAlarm | undefined {
    return this.active.get(alarmId) ?? this.o.store.get(alarmId);
  }

  activeFor(patientId: number): LiveAlarm[] {
    return [...this.active.values()].filter((a) => a.patientId === patientId);
  }

  activeCount(): number {
    return this.active.size;
  }

  watchedPatients(): number {
    return this.patients.size;
  }

  private judge(patientId: number, code: string, cs: CodeState, changed: LiveAlarm[]): void {
    const limits = this.o.limits.forPatient(patientId, code);
    const next = limits ? nextLevel(cs.level, cs.lastValue, limits, hysteresisFor(code, limits)) : 'normal';
    if (next === cs.level) return;
    // An escalation (low → critical low) is a new episode: it must be acknowledged again.
    if (cs.alarmId !== undefined) this.end(cs.alarmId, changed);
    cs.alarmId = undefined;
    cs.level = next;
    if (next !== 'normal' && limits) {
      cs.alarmId = this.start(patientId, code, next, cs.lastValue, limitOf(next, limits), changed);
    }
  }

  private start(
    patientId: number,
    code: string,
    condition: AlarmCondition,
    value: number | null,
    limit: number | null,
    changed: LiveAlarm[],
  ): number {
    const technical = condition === 'signal_lost' || condition === 'device_disconnected';
    const alarm = this.o.store.start({
      patientId,
      code,
      kind: technical ? 'technical' : 'physiological',
      condition,
      priority: priorityOf(condition),
      value,
      limit,
      startedAt: this.now(),
    });
    this.active.set(alarm.id, alarm);
    changed.push(alarm);
    return alarm.id;
  }

  private end(alarmId: number, changed: LiveAlarm[]): void {
    this.active.delete(alarmId);
    this.unsilenced.delete(alarmId);
    const ended = this.o.store.end(alarmId, this.now());
    if (ended) changed.push(ended);
  }

  private endAllOf(p: PatientState, changed: LiveAlarm[]): void {
    for (const cs of p.codes.values()) {
      if (cs.alarmId !== undefined) this.end(cs.alarmId, changed);
      if (cs.lostId !== undefined) this.end(cs.lostId, changed);
      cs.alarmId = undefined;
      cs.lostId = undefined;
      cs.level = 'normal';
    }
  }
}
