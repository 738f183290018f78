import type { Statement } from 'better-sqlite3-multiple-ciphers';
import type { AlarmLimits } from '../../shared/catalog/vital-signs';
import type { Db } from '../store/database';
import type { AlarmCondition, LiveAlarm } from './bus';

/** Hot queries, named so a test holds them to their index. */
export const ALARM_HISTORY_SQL = `SELECT * FROM alarm_events
  WHERE patient_id = ? AND started_at >= ? AND started_at < ? ORDER BY started_at DESC LIMIT ?`;
export const ACTIVE_ALARMS_SQL = 'SELECT * FROM alarm_events WHERE patient_id = ? AND ended_at IS NULL';

interface AlarmRow {
  id: number;
  patient_id: number;
  code: string;
  kind: string;
  condition: string;
  priority: string;
  value: number | null;
  limit_value: number | null;
  started_at: number;
  ended_at: number | null;
  acknowledged_at: number | null;
  acknowledged_by: string | null;
  silenced_until: number | null;
}

interface LimitRow {
  code: string;
  low: number;
  high: number;
  critical_low: number;
  critical_high: number;
  updated_at: number;
  updated_by: string;
}

export interface StoredLimits extends AlarmLimits {
  readonly code: string;
  readonly updatedAt: number;
  readonly updatedBy: string;
}

const toAlarm = (r: AlarmRow): LiveAlarm => ({
  id: r.id,
  patientId: r.patient_id,
  code: r.code,
  kind: r.kind as LiveAlarm['kind'],
  condition: r.condition as AlarmCondition,
  priority: r.priority as LiveAlarm['priority'],
  value: r.value,
  limit: r.limit_value,
  startedAt: r.started_at,
  endedAt: r.ended_at,
  acknowledgedAt: r.acknowledged_at,
  acknowledgedBy: r.acknowledged_by,
  silencedUntil: r.silenced_until,
});

const toLimits = (r: LimitRow): StoredLimits => ({
  code: r.code,
  low: r.low,
  high: r.high,
  criticalLow: r.critical_low,
  criticalHigh: r.critical_high,
  updatedAt: r.updated_at,
  updatedBy: r.updated_by,
});

/** The alarm tables, as prepared statements on the store's connection. */
export class AlarmStore {
  private readonly s: Record<string, Statement>;

  constructor(readonly db: Db) {
    this.s = {
      insert: db.prepare(`INSERT INTO alarm_events
        (patient_id, code, kind, condition, priority, value, limit_value, started_at)
        VALUES (@patientId, @code, @kind, @condition, @priority, @value, @limit, @startedAt) RETURNING *`),
      end: db.prepare('UPDATE alarm_events SET ended_at = ? WHERE id = ? AND ended_at IS NULL RETURNING *'),
      ack: db.prepare(`UPDATE alarm_events SET acknowledged_at = ?, acknowledged_by = ?, silenced_until = ?
        WHERE id = ? RETURNING *`),
      get: db.prepare('SELECT * FROM alarm_events WHERE id = ?'),
      history: db.prepare(ALARM_HISTORY_SQL),
      active: db.prepare(ACTIVE_ALARMS_SQL),
      endDangling: db.prepare('UPDATE alarm_events SET ended_at = ? WHERE ended_at IS NULL'),
      unitLimits: db.prepare('SELECT * FROM alarm_limits_unit WHERE unit = ?'),
      patientLimits: db.prepare('SELECT * FROM alarm_limits_patient WHERE patient_id = ?'),
      setUnitLimit: db.prepare(`INSERT INTO alarm_limits_unit
        (unit, code, low, high, critical_low, critical_high, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(unit, code) DO UPDATE SET low = excluded.low, high = excluded.high,
        critical_low = excluded.critical_low, critical_high = excluded.critical_high,
        updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
      setPatientLimit: db.prepare(`INSERT INTO alarm_limits_patient
        (patient_id, code, low, high, critical_low, critical_high, updated_at, updated_by) VALUES (?, ?, ?, ?, ?, ?, ?, ?)
        ON CONFLICT(patient_id, code) DO UPDATE SET low = excluded.low, high = excluded.high,
        critical_low = excluded.critical_low, critical_high = excluded.critical_high,
        updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
      clearUnitLimit: db.prepare('DELETE FROM alarm_limits_unit WHERE unit = ? AND code = ?'),
      clearPatientLimit: db.prepare('DELETE FROM alarm_limits_patient WHERE patient_id = ? AND code = ?'),
      signalLost: db.prepare('SELECT signal_lost_ms FROM alarm_unit_settings WHERE unit = ?'),
      setSignalLost:
        db.prepare(`INSERT INTO alarm_unit_settings (unit, signal_lost_ms, updated_at, updated_by)
        VALUES (?, ?, ?, ?) ON CONFLICT(unit) DO UPDATE SET signal_lost_ms = excluded.signal_lost_ms,
        updated_at = excluded.updated_at, updated_by = excluded.updated_by`),
    };
  }

  start(
    a: Omit<LiveAlarm, 'id' | 'endedAt' | 'acknowledgedAt' | 'acknowledgedBy' | 'silencedUntil'>,
  ): LiveAlarm {
    return toAlarm(this.s.insert!.get(a) as AlarmRow);
  }

  end(id: number, at: number): LiveAlarm | undefined {
    const row = this.s.end!.get(at, id) as AlarmRow | undefined;
    return row && toAlarm(row);
  }

  acknowledge(id: number, by: string, at: number, silencedUntil: number): LiveAlarm | undefined {
    const row = this.s.ack!.get(at, by, silencedUntil, id) as AlarmRow | undefined;
    return row && toAlarm(row);
  }

  get(id: number): LiveAlarm | undefined {
    const row = this.s.get!.get(id) as AlarmRow | undefined;
    return row && toAlarm(row);
  }

  history(patientId: number, from: number, to: number, limit: number): LiveAlarm[] {
    return (this.s.history!.all(patientId, from, to, limit) as AlarmRow[]).map(toAlarm);
  }

  active(patientId: number): LiveAlarm[] {
    return (this.s.active!.all(patientId) as AlarmRow[]).map(toAlarm);
  }

  /** At start: alarms left open by a stopped node end now; live values will raise them again. */
  endDangling(at: number): number {
    return this.s.endDangling!.run(at).changes;
  }

  unitLimits(unit: string): StoredLimits[] {
    return (this.s.unitLimits!.all(unit) as LimitRow[]).map(toLimits);
  }

  patientLimits(patientId: number): StoredLimits[] {
    return (this.s.patientLimits!.all(patientId) as LimitRow[]).map(toLimits);
  }

  setUnitLimit(unit: string, code: string, l: AlarmLimits | null, by: string, at: number): void {
    if (l === null) this.s.clearUnitLimit!.run(unit, code);
    else this.s.setUnitLimit!.run(unit, code, l.low, l.high, l.criticalLow, l.criticalHigh, at, by);
  }

  setPatientLimit(patientId: number, code: string, l: AlarmLimits | null, by: string, at: number): void {
    if (l === null) this.s.clearPatientLimit!.run(patientId, code);
    else this.s.setPatientLimit!.run(patientId, code, l.low, l.high, l.criticalLow, l.criticalHigh, at, by);
  }

  signalLostMs(unit: string): number | undefined {
    return (this.s.signalLost!.get(unit) as { signal_lost_ms: number } | undefined)?.signal_lost_ms;
  }

  setSignalLostMs(unit: string, ms: number, by: string, at: number): void {
    this.s.setSignalLost!.run(unit, ms, at, by);
  }
}
