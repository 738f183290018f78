import type { AuditFilter, AuditVerifyResult } from '../../../shared/api/audit';
import { methodNames } from '../../../shared/api/contract';
import { ERROR_CODES } from '../../../shared/api/errors';
import { formatDateTime } from '../../format/time';

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

/** A `datetime-local` value (local wall time) as an ISO instant; empty stays unset. */
export function localInputToIso(value: string): string | undefined {
  if (value.trim() === '') return undefined;
  const d = new Date(value);
  return Number.isNaN(d.getTime()) ? undefined : d.toISOString();
}

/** The filter as a short sentence for the table caption and the export line. */
export function describeFilter(filter: AuditFilter): string {
  const parts: string[] = [];
  if (filter.from) parts.push(`from ${formatDateTime(filter.from)}`);
  if (filter.to) parts.push(`to ${formatDateTime(filter.to)}`);
  if (filter.actor) parts.push(`actor ${filter.actor}`);
  if (filter.action) parts.push(`action ${filter.action}`);
  if (filter.patientId !== undefined) parts.push(`patient ${filter.patientId}`);
  if (filter.outcome) parts.push(`outcome ${filter.outcome}`);
  if (filter.breakGlass) parts.push('break-glass only');
  return parts.length === 0 ? 'all entries' : parts.join(', ');
}
