import { NotBuiltPanel } from '../../components/not-built-panel';

/** Audit: search, verify and export the audit chain. */
export function AuditScreen() {
  return (
    <NotBuiltPanel
      purpose="Search and filter the hash-chained audit log of every read of patient data, share, export, login and configuration change; verify that no entry was edited or removed; export reports as CSV or FHIR AuditEvent."
      forWhom="compliance officers"
    />
  );
}
