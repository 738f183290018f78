import type { ErrorCode } from '../../shared/api/errors';

/** The HTTP status mirrors the envelope's error code; clients read the envelope either way. */
export const HTTP_STATUS: Record<ErrorCode, number> = {
  bad_request: 400,
  unauthenticated: 401,
  forbidden: 403,
  not_found: 404,
  unknown_method: 404,
  conflict: 409,
  locked: 423,
  unavailable: 503,
  internal: 500,
};
