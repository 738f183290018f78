import type { ApiErrorBody } from '../../shared/api/errors';

/**
 * Splits a node's error into messages for named form fields (from the schema's issue paths) and
 * what is left for the form as a whole. `fields` lists the form's own field names; `conflictField`
 * takes a `conflict` answer (a taken username) when the form has an obvious home for it.
 */
export function fieldErrors(
  error: ApiErrorBody | undefined,
  fields: readonly string[],
  conflictField?: string,
): { byField: Record<string, string>; general?: ApiErrorBody } {
  if (!error) return { byField: {} };
  const byField: Record<string, string> = {};
  for (const issue of error.issues ?? []) {
    const field = issue.path.split('.')[0] ?? '';
    if (fields.includes(field) && byField[field] === undefined) byField[field] = issue.message;
  }
  if (error.code === 'conflict' && conflictField) byField[conflictField] ??= error.message;
  const placed = Object.keys(byField).length > 0;
  return placed ? { byField } : { byField, general: error };
}

/** "ICU, Ward 3" → ["ICU", "Ward 3"]: units as IT types them. */
export const parseList = (text: string): string[] =>
  text
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part !== '');
