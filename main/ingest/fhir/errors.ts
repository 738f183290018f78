import type { FhirIssue } from '../../../shared/api/fhir';

/** A sync failure IT can act on; `retry` says whether backing off and trying again may help. */
export class FhirSyncError extends Error {
  override name = 'FhirSyncError';
  readonly retry: boolean;
  readonly status: number | undefined;
  readonly issues: readonly FhirIssue[];
  readonly retryAfterMs: number | undefined;
  constructor(
    message: string,
    options: { retry?: boolean; status?: number; issues?: readonly FhirIssue[]; retryAfterMs?: number } = {},
  ) {
    super(message);
    this.retry = options.retry ?? false;
    this.status = options.status;
    this.issues = options.issues ?? [];
    this.retryAfterMs = options.retryAfterMs;
  }
}

/** 401/403 or a refused token: the source stops until IT changes its credentials. */
export class FhirAuthError extends FhirSyncError {
  override name = 'FhirAuthError';
}

/** The server's CapabilityStatement lacks something the sync needs. */
export class FhirCapabilityError extends FhirSyncError {
  override name = 'FhirCapabilityError';
}
