/**
 * Error codes that may cross the API boundary. A code says what kind of failure it was; the
 * message says what is wrong and where. Stack traces and patient data never cross.
 */
export const ERROR_CODES = [
  'bad_request', // input failed its schema, or a value is out of range
  'unauthenticated', // no session, or an expired or forged one
  'forbidden', // the role may not call this method
  'locked', // account locked after repeated failed logins
  'not_found',
  'conflict', // the change clashes with the current state (duplicate, wrong state)
  'unknown_method',
  'unavailable', // a dependency (keychain, peer, source) can't be reached now
  'internal', // a bug: details are in the node's log, never in the answer
] as const;

export type ErrorCode = (typeof ERROR_CODES)[number];

export interface ApiErrorBody {
  code: ErrorCode;
  message: string;
  /** Where the input was wrong, as a path of field names (schema failures only). */
  issues?: { path: string; message: string }[];
}

/** Thrown by domain code to answer with a specific code; anything else becomes `internal`. */
export class ApiError extends Error {
  override readonly name = 'ApiError';
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly issues?: ApiErrorBody['issues'],
  ) {
    super(message);
  }

  toBody(): ApiErrorBody {
    return this.issues
      ? { code: this.code, message: this.message, issues: this.issues }
      : { code: this.code, message: this.message };
  }
}
