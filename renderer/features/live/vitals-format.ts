import type { AlarmView, LiveValue } from '../../../shared/api/vitals';

/** One numeric a tile and a chart show, in monitor order; colours follow monitor convention. */
export interface ParamSpec {
  readonly code: string;
  readonly label: string;
  readonly unit: string;
  readonly decimals: number;
  /** CSS colour, one per parameter across tiles and charts (DOMAIN.md "Alarm presentation"). */
  readonly colour: string;
}

export const PARAMS: readonly ParamSpec[] = [
  { code: 'hr', label: 'HR', unit: 'bpm', decimals: 0, colour: '#4ade80' },
  { code: 'spo2', label: 'SpO₂', unit: '%', decimals: 0, colour: '#22d3ee' },
  { code: 'rr', label: 'RR', unit: '/min', decimals: 0, colour: '#fde047' },
  { code: 'temp', label: 'Temp', unit: '°C', decimals: 1, colour: '#fdba74' },
  { code: 'etco2', label: 'EtCO₂', unit: 'mmHg', decimals: 0, colour: '#e5e7eb' },
];

/** NIBP is one measurement shown as sys/dia (mean); its parts share a colour. */
export const NIBP = { sys: 'nibp-sys', dia: 'nibp-dia', mean: 'nibp-mean', colour: '#f0abfc' } as const;

const LABELS: Record<string, string> = {
  hr: 'HR',
  spo2: 'SpO₂',
  'pulse-spo2': 'Pulse',
  'pulse-nibp': 'Pulse (NIBP)',
  rr: 'RR',
  temp: 'Temp',
  etco2: 'EtCO₂',
  'nibp-sys': 'NIBP sys',
  'nibp-dia': 'NIBP dia',
  'nibp-mean': 'NIBP mean',
  'ibp-sys': 'ABP sys',
  'ibp-dia': 'ABP dia',
  'ibp-mean': 'ABP mean',
  device: 'Monitor',
};

export const labelOf = (code: string): string => LABELS[code] ?? code;

const BEAT_CODES = new Set(['hr', 'pulse-spo2', 'pulse-nibp']);
const UCUM_LABELS: Record<string, string> = { 'mm[Hg]': 'mmHg', Cel: '°C', '[degF]': '°F' };

/**
 * A UCUM unit as the tiles and charts print it (`mm[Hg]` → mmHg, `Cel` → °C, heart and pulse
 * rates in bpm), so a limit reads in the same unit as the number it guards.
 */
export function unitLabel(code: string, ucum: string): string {
  if (BEAT_CODES.has(code) && ucum === '/min') return 'bpm';
  return UCUM_LABELS[ucum] ?? ucum;
}

export function formatValue(code: string, value: number | undefined): string {
  if (value === undefined) return '--';
  const decimals = code === 'temp' ? 1 : 0;
  return value.toFixed(decimals);
}

/** "4 s", "3 min", "2 h": how old a value is, short enough for a tile. */
export function formatAge(ms: number): string {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s} s`;
  const min = Math.floor(s / 60);
  if (min < 60) return `${min} min`;
  const h = Math.floor(min / 60);
  return h < 48 ? `${h} h` : `${Math.floor(h / 24)} d`;
}

const PRIORITY_RANK: Record<AlarmView['priority'], number> = { high: 3, medium: 2, low: 1 };

/** The alarm a tile shows first: highest priority, then the newest. */
export function topAlarm(alarms: readonly AlarmView[]): AlarmView | undefined {
  let best: AlarmView | undefined;
  for (const a of alarms) {
    if (
      !best ||
      PRIORITY_RANK[a.priority] > PRIORITY_RANK[best.priority] ||
      (a.priority === best.priority && a.startedAt > best.startedAt)
    )
      best = a;
  }
  return best;
}

/** Alarm text that never relies on colour: "HR 130 > 120", "SpO₂ signal lost". */
export function alarmText(a: AlarmView): string {
  const label = labelOf(a.code);
  const value = a.value === null ? '' : formatValue(a.code, a.value);
  const limit = a.limit === null ? '' : formatValue(a.code, a.limit);
  switch (a.condition) {
    case 'high':
      return `${label} ${value} > ${limit}`;
    case 'critical_high':
      return `${label} ${value} ≫ ${limit}`;
    case 'low':
      return `${label} ${value} < ${limit}`;
    case 'critical_low':
      return `${label} ${value} ≪ ${limit}`;
    case 'signal_lost':
      return `${label} signal lost`;
    case 'device_disconnected':
      return 'Monitor disconnected';
  }
}

export const PRIORITY_LABEL: Record<AlarmView['priority'], string> = {
  high: 'High priority alarm',
  medium: 'Medium priority alarm',
  low: 'Technical alarm',
};

/** Whether the value is older than its code's signal-lost time (greyed on the tile). */
export const isStale = (v: LiveValue, now: number, staleAfterMs: Record<string, number>): boolean =>
  now - v.receivedAt > (staleAfterMs[v.code] ?? 15_000);
