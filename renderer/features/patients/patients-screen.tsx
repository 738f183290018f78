import { PatientView } from './patient-view';

/** Patients: one patient's trends and alarms, opened from a bed on the unit view. */
export function PatientsScreen(props: { patientId?: number | undefined }) {
  if (props.patientId !== undefined) return <PatientView key={props.patientId} patientId={props.patientId} />;
  return (
    <section className="panel">
      <p className="panel__lead">
        Open a patient from <a href="#/live">Live vitals</a>: each bed tile leads to that patient&apos;s
        trends, alarm limits and alarm history. Every opening is recorded in the audit log.
      </p>
    </section>
  );
}
