import type { AuditFilter, AuditVerifyResult } from '../../../shared/api/audit';
import { methodNames } from '../../../shared/api/contract';
import { ERROR_CODES } from '../../../shared/api/errors';

/** Outcomes an entry can have: the call went through, or the error code it was answered with. */
export const OUTCOMES = ['ok', ...ERROR_CODES] as const;

/** Actions the chain holds besides contract methods (appended by the node itself). */
export const ACTIONS = [
  ...methodNames,
  'auth.lockout',
  'audit.export.completed',
  'node.heartbeat.subscribe',
].sort();

export const PROBLEM_TEXT: Record<NonNullable<AuditVerifyResult['firstBroken']>['problem'], string> = {
  altered: "its content or MAC doesn't match what the chain demands: the entry was edited, or one before it",
  missing: 'the entry is missing: deleted, or the chain was cut off',
  head_missing: 'the record of the chain head is missing',
  head_altered: 'the record of the chain head was changed',
  time_reversed: 'its time is earlier than the entry before it: entries were reordered',
};

const pad = (n: number) => String(n).padStart(2, '0');

/** "2026-11-25 14:03:07" in local time: sortable, exact to the second, and easy to read aloud. */
export function formatAuditTime(iso: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())} ${pad(d.getHours())}:${pad(d.getMinutes())}:${pad(d.getSeconds())}`;
}

/** The reader's UTC offset, for column headers ("UTC+01:00"). */
export function localOffset(at = new Date()): string {
  const minutes = -at.getTimezoneOffset();
  const sign = minutes >= 0 ? '+' : '-';
  const abs = Math.abs(minutes);
  return `UTC${sign}${pad(Math.floor(abs / 60))}:${pad(abs % 60)}`;
}

/** A `datetime-local` value (local wall time) as an ISO instant; empty stays unset. */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The filter as a short sentence for the table caption and the export line. */
export function describeFilter(filter: AuditFilter): string {
  const parts: string[] = [];
  if (filter.from) parts.push(`from ${formatAuditTime(filter.from)}`);
  if (filter.to) parts.push(`to ${formatAuditTime(filter.to)}`);
  if (filter.actor) parts.push(`actor ${filter.actor}`);
  if (filter.action) parts.push(`action ${filter.action}`);
  if (filter.patientId !== undefined) parts.push(`patient ${filter.patientId}`);
  if (filter.outcome) parts.push(`outcome ${filter.outcome}`);
  if (filter.breakGlass) parts.push('break-glass only');
  return parts.length === 0 ? 'all entries' : parts.join(', ');
}

export const formatCount = (n: number) => new Intl.NumberFormat('en-US').format(n);
