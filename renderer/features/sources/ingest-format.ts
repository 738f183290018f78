/** Number and time formats of the Sources screen. */

const count = new Intl.NumberFormat('en');
export const formatCount = (n: number): string => count.format(n);

export const formatRate = (perSecond: number): string => perSecond.toFixed(perSecond < 10 ? 1 : 0);

export const formatTime = (iso: string): string =>
  new Intl.DateTimeFormat(undefined, { dateStyle: 'short', timeStyle: 'medium' }).format(new Date(iso));

/** "just now", "12 s ago", "4 min ago", "3 h ago"; older than a day: the date and time. */
export function ago(iso: string, now: number): string {
  const seconds = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (seconds < 2) return 'just now';
  if (seconds < 60) return `${seconds} s ago`;
  if (seconds < 3600) return `${Math.floor(seconds / 60)} min ago`;
  if (seconds < 86_400) return `${Math.floor(seconds / 3600)} h ago`;
  return formatTime(iso);
}

/** Segments on their own lines: HL7 ends them with CR, which a browser shows as nothing. */
export const segmentsOnLines = (text: string): string => text.split(/\r\n|\r|\n/).join('\n');
