import type { AlarmLimits } from '../../shared/catalog/vital-signs';
import type { AlarmCondition, LiveAlarm } from './bus';

/** A physiological condition, or none. */
export type Level = 'normal' | 'low' | 'high' | 'critical_low' | 'critical_high';

/**
 * How far a value must come back inside a limit before its alarm clears, per catalog id, in the
 * code's unit. Without it a value hovering at a limit (SpO2 89/90/89/90) would start and end an
 * alarm every second: alarm fatigue. Values follow common monitor practice (about one display
 * step of the parameter); codes not listed use 2% of their low–high span.
 * @see IEC 60601-1-8:2006+A1:2012 §6.1.2 (alarm conditions), §6.5.3 (avoiding nuisance alarms)
 */
const HYSTERESIS: Record<string, number> = {
  hr: 2,
  'pulse-spo2': 2,
  'pulse-nibp': 2,
  spo2: 1,
  'nibp-sys': 3,
  'nibp-dia': 3,
  'nibp-mean': 3,
  'ibp-sys': 3,
  'ibp-dia': 3,
  'ibp-mean': 3,
  rr: 1,
  temp: 0.2,
  etco2: 1,
};

export function hysteresisFor(code: string, limits: AlarmLimits): number {
  return HYSTERESIS[code] ?? Math.max(0, (limits.high - limits.low) * 0.02);
}

/** Which side of the limits a value is on, without memory. Limits themselves are still normal. */
export function classify(value: number, l: AlarmLimits): Level {
  if (value < l.criticalLow) return 'critical_low';
  if (value > l.criticalHigh) return 'critical_high';
  if (value < l.low) return 'low';
  if (value > l.high) return 'high';
  return 'normal';
}

const SEVERITY: Record<Level, number> = { normal: 0, low: 1, high: 1, critical_low: 2, critical_high: 2 };
const side = (level: Level) => (level === 'low' || level === 'critical_low' ? 'low' : 'high');

/**
 * The next level given the previous one: getting worse takes effect at once, getting better
 * only once the value is `h` inside the limit it crossed (hysteresis).
 */
export function nextLevel(previous: Level, value: number, limits: AlarmLimits, h: number): Level {
  const raw = classify(value, limits);
  if (previous === 'normal') return raw;
  if (raw !== 'normal' && side(raw) === side(previous) && SEVERITY[raw] >= SEVERITY[previous]) return raw;
  const relaxed = { ...limits };
  if (side(previous) === 'high') {
    relaxed.high = limits.high - h;
    if (previous === 'critical_high') relaxed.criticalHigh = limits.criticalHigh - h;
  } else {
    relaxed.low = limits.low + h;
    if (previous === 'critical_low') relaxed.criticalLow = limits.criticalLow + h;
  }
  const held = classify(value, relaxed);
  // Crossing to the other side is not held back: that is a new condition.
  if (held !== 'normal' && side(held) !== side(previous)) return raw;
  return held;
}

/** The limit a level was crossed at, for the alarm text ("SpO2 87 < 90"). */
export function limitOf(level: Level, l: AlarmLimits): number | null {
  switch (level) {
    case 'low':
      return l.low;
    case 'high':
      return l.high;
    case 'critical_low':
      return l.criticalLow;
    case 'critical_high':
      return l.criticalHigh;
    case 'normal':
      return null;
  }
}

/**
 * IEC 60601-1-8 priorities: a critical limit is life-threatening (high priority, red); a plain
 * limit needs prompt attention (medium, yellow); technical alarms are low (cyan, not flashing).
 * @see DOMAIN.md "Alarm presentation"
 */
export function priorityOf(condition: AlarmCondition): LiveAlarm['priority'] {
  switch (condition) {
    case 'critical_low':
    case 'critical_high':
      return 'high';
    case 'low':
    case 'high':
      return 'medium';
    case 'signal_lost':
    case 'device_disconnected':
      return 'low';
  }
}

/** Intermittent measurements (a cuff cycles every few minutes) are lost later than continuous ones. */
export function signalLostAfter(code: string, continuousMs: number): number {
  return code.startsWith('nibp-') || code === 'pulse-nibp'
    ? Math.max(continuousMs, 20 * 60_000)
    : continuousMs;
}

export function validLimits(l: AlarmLimits): boolean {
  return l.criticalLow <= l.low && l.low < l.high && l.high <= l.criticalHigh;
}
