import { NotBuiltPanel } from '../../components/not-built-panel';

/** Patients: finding a patient and their recent history. */
export function PatientsScreen() {
  return (
    <NotBuiltPanel
      purpose="Find a patient and open their recent vital-sign history by code and time range. Every look at a patient's data will be recorded in the audit log."
      forWhom="clinicians"
    />
  );
}
