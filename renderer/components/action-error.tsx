import type { ApiErrorBody } from '../../shared/api/errors';
import './alert.css';

/** A refused action (add, disable, export…), said as what didn't happen, with the node's reason. */
export function ActionError(props: { error: ApiErrorBody; title: string }) {
  return (
    <div className="alert alert--error" role="alert">
      <p className="alert__title">{props.title}</p>
      <p className="alert__detail">
        <code className="alert__code">{props.error.code}</code> {props.error.message}
      </p>
    </div>
  );
}
