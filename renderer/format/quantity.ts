/** Sizes and durations as every screen shows them (node health, exports, audit exports). */

const BYTE_UNITS = ['KB', 'MB', 'GB', 'TB'] as const;

/** 1536 → "1.5 KB". Binary multiples, as file managers on the facility's machines show them. */
export function formatBytes(bytes: number): string {
  if (!Number.isFinite(bytes) || bytes < 0) return '—';
  if (bytes < 1024) return `${Math.round(bytes)} B`;
  let value = bytes / 1024;
  let unit = 0;
  while (value >= 1024 && unit < BYTE_UNITS.length - 1) {
    value /= 1024;
    unit += 1;
  }
  // One decimal while it still says something (4.2 MB), none once the number is large (512 MB).
  return `${value < 100 ? value.toFixed(1) : Math.round(value).toString()} ${BYTE_UNITS[unit]}`;
}

/** 7500 → "2 h 5 min": the two largest units, dropping a zero second one. */
export function formatDuration(totalSeconds: number): string {
  if (!Number.isFinite(totalSeconds) || totalSeconds < 0) return '—';
  const seconds = Math.floor(totalSeconds);
  const pair = (big: number, bigUnit: string, small: number, smallUnit: string) =>
    small > 0 ? `${big} ${bigUnit} ${small} ${smallUnit}` : `${big} ${bigUnit}`;
  if (seconds < 60) return `${seconds} s`;
  if (seconds < 3600) return pair(Math.floor(seconds / 60), 'min', seconds % 60, 's');
  if (seconds < 86_400)
    return pair(Math.floor(seconds / 3600), 'h', Math.floor((seconds % 3600) / 60), 'min');
  return pair(Math.floor(seconds / 86_400), 'd', Math.floor((seconds % 86_400) / 3600), 'h');
}
