import type { ApiErrorBody } from './errors';

/** Every API call answers with this envelope, whichever host carried it. */
export type Result<T> = { ok: true; value: T } | { ok: false; error: ApiErrorBody };

export const ok = <T>(value: T): Result<T> => ({ ok: true, value });
export const fail = (error: ApiErrorBody): Result<never> => ({ ok: false, error });
