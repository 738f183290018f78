import { useState, type FormEvent } from 'react';
import type { MethodOutput } from '../../../shared/api/contract';
import type { ApiErrorBody } from '../../../shared/api/errors';
import { ApiErrorAlert } from '../../components/api-error-alert';
import { Field } from '../../components/field';
import { useClient } from '../../app/context';
import { formatCount } from '../../format/count';
import { formatDateTime } from '../../format/time';
import { AuditTable } from './audit-table';

type Report = MethodOutput<'audit.patientReport'>;

/** "Who saw this patient": per person, how often, first and last time, and who broke the glass. */
export function PatientReport() {
  const client = useClient();
  const [patient, setPatient] = useState('');
  const [invalid, setInvalid] = useState(false);
  const [report, setReport] = useState<Report | undefined>();
  const [error, setError] = useState<ApiErrorBody | undefined>();
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const id = Number(patient.trim());
    if (!Number.isInteger(id) || id <= 0) {
      setInvalid(true);
      return;
    }
    setInvalid(false);
    setBusy(true);
    const r = await client.call('audit.patientReport', { patientId: id });
    setBusy(false);
    setReport(r.ok ? r.value : undefined);
    setError(r.ok ? undefined : r.error);
  };

  return (
    <div className="patient-report">
      <form className="patient-report__form" onSubmit={(event) => void submit(event)} noValidate>
        <Field label="Patient id" error={invalid ? 'a patient id is a whole number' : undefined}>
          {(control) => (
            <input
              className="field__input"
              inputMode="numeric"
              value={patient}
              onChange={(e) => setPatient(e.target.value)}
              {...control}
            />
          )}
        </Field>
        <button type="submit" className="button button--primary" disabled={busy}>
          {busy ? 'Loading…' : 'Show access report'}
        </button>
      </form>
      {error ? <ApiErrorAlert error={error} what="the access report" /> : null}
      {report ? <ReportView report={report} /> : null}
    </div>
  );
}

function ReportView(props: { report: Report }) {
  const { report } = props;
  if (report.total === 0) {
    return <p className="muted">No recorded access to patient {report.patientId} in the audit history.</p>;
  }
  const breakGlassEntries = report.entries.filter((e) => e.breakGlassReason !== null);
  return (
    <section className="patient-report__result" aria-labelledby="report-title">
      <h3 id="report-title" className="audit-tool__title">
        Patient {report.patientId}: {formatCount(report.total)} accesses by {report.byActor.length}{' '}
        {report.byActor.length === 1 ? 'person' : 'people'}
        {report.breakGlass > 0 ? (
          <>
            {' '}
            · <span className="badge badge--danger">{formatCount(report.breakGlass)} break-glass</span>
          </>
        ) : null}
      </h3>
      <table className="dense-table" aria-label="Access by person">
        <thead>
          <tr>
            <th scope="col">Actor</th>
            <th scope="col">Role</th>
            <th scope="col" className="cell-num">
              Accesses
            </th>
            <th scope="col" className="cell-num">
              Break-glass
            </th>
            <th scope="col">First</th>
            <th scope="col">Last</th>
          </tr>
        </thead>
        <tbody>
          {report.byActor.map((g) => (
            <tr
              key={`${g.actor}:${g.role ?? ''}`}
              className={g.breakGlass > 0 ? 'audit-row--break-glass' : undefined}
            >
              <td className="cell-mono">{g.actor}</td>
              <td>{g.role ?? '—'}</td>
              <td className="cell-num">{formatCount(g.count)}</td>
              <td className="cell-num">
                {g.breakGlass > 0 ? <strong>{formatCount(g.breakGlass)}</strong> : 0}
              </td>
              <td className="cell-mono cell-nowrap">{formatDateTime(g.firstAt)}</td>
              <td className="cell-mono cell-nowrap">{formatDateTime(g.lastAt)}</td>
            </tr>
          ))}
        </tbody>
      </table>
      {breakGlassEntries.length > 0 ? (
        <>
          <h4 className="patient-report__subtitle">Break-glass accesses (for review)</h4>
          <AuditTable entries={breakGlassEntries} caption="Break-glass accesses" />
        </>
      ) : null}
      <h4 className="patient-report__subtitle">
        Every access{report.truncated ? `, newest ${formatCount(report.entries.length)}` : ''}
      </h4>
      <AuditTable entries={report.entries} caption={`Accesses to patient ${report.patientId}`} />
    </section>
  );
}
