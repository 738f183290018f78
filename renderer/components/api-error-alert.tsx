import type { ApiErrorBody } from '../../shared/api/errors';
import './alert.css';

/** An envelope error, or a stream error (whose code the contract types as a plain string). */
export type ShownError = Omit<ApiErrorBody, 'code'> & { code: string };

/**
 * An error the node answered with, shown where the data would have been: what failed, the code
 * (for IT and bug reports) and the node's message. Missing login reads as an instruction, not a failure.
 */
export function ApiErrorAlert(props: { error: ShownError; what?: string }) {
  const { error, what } = props;
  if (error.code === 'unauthenticated') {
    return (
      <div className="alert alert--notice" role="status">
        <p className="alert__title">Log in to see this.</p>
        <p className="alert__detail">
          <code className="alert__code">{error.code}</code> {error.message}
        </p>
      </div>
    );
  }
  return (
    <div className="alert alert--error" role="alert">
      <p className="alert__title">{what ? `Could not load ${what}.` : 'The node answered with an error.'}</p>
      <p className="alert__detail">
        <code className="alert__code">{error.code}</code> {error.message}
      </p>
      {error.issues && error.issues.length > 0 ? (
        <ul className="alert__issues">
          {error.issues.map((issue) => (
            <li key={`${issue.path}:${issue.message}`}>
              <code>{issue.path || '(input)'}</code>: {issue.message}
            </li>
          ))}
        </ul>
      ) : null}
    </div>
  );
}
