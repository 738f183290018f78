import { useState } from 'react';
import type { ApiErrorBody } from '../../../shared/api/errors';
import type { FhirQuarantineEntry } from '../../../shared/api/fhir';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { useClient } from '../../app/context';
import { formatCount } from '../../format/count';
import { formatDateTime } from '../../format/time';

/** A source's quarantined resources on request: type, id, version and why (never the content). */
export function FhirQuarantine(props: { sourceId: number; count: number }) {
  const client = useClient();
  const [entries, setEntries] = useState<FhirQuarantineEntry[]>();
  const [error, setError] = useState<ApiErrorBody>();
  const load = () =>
    void client.call('fhir.quarantine', { sourceId: props.sourceId, limit: 100 }).then((r) => {
      if (r.ok) setEntries(r.value.entries);
      else setError(r.error);
    });
  return (
    <div className="fhir__quarantine">
      <p>
        <strong>{formatCount(props.count)}</strong> resource{props.count === 1 ? '' : 's'} quarantined (failed
        validation or could not be linked); the rest of their pages was imported.{' '}
        {!entries ? (
          <button type="button" className="button button--small" onClick={load}>
            Show why
          </button>
        ) : null}
      </p>
      {error ? <ApiErrorAlert error={error} what="the quarantine" /> : null}
      {entries ? (
        <table className="dense-table" aria-label="Quarantined resources">
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Resource</th>
              <th scope="col">Version</th>
              <th scope="col">Reason</th>
            </tr>
          </thead>
          <tbody>
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{formatDateTime(e.at)}</td>
                <td>
                  <code>
                    {e.resourceType}/{e.resourceId ?? '?'}
                  </code>
                </td>
                <td>
                  <code>{e.versionId ?? '—'}</code>
                </td>
                <td>{e.reason}</td>
              </tr>
            ))}
          </tbody>
        </table>
      ) : null}
    </div>
  );
}
