import type { MethodName, StreamName } from './api/contract';
import type { Role } from './roles';

/**
 * Who may call what: the one matrix. `public` needs no session (login, liveness); otherwise the
 * roles listed. Enforced by the dispatcher in main/api before any handler runs; the renderer only
 * uses it to hide what a user can't do. A contract method without an entry fails to typecheck.
 */
export type Access = 'public' | readonly Role[];

const ALL: readonly Role[] = ['clinician', 'it_admin', 'compliance_officer', 'researcher'];

export const METHOD_ACCESS: { readonly [M in MethodName]: Access } = {
  'node.info': 'public',
  'node.health': ALL,
  // Access (issue 3). Logging in needs no session; everything about accounts is IT's.
  'auth.status': 'public',
  'auth.login': 'public',
  'auth.logout': ALL,
  'auth.me': ALL,
  'users.list': ['it_admin'],
  'users.add': ['it_admin'],
  'users.disable': ['it_admin'],
  'users.enable': ['it_admin'],
  'users.resetPassword': ['it_admin'],
  'users.setRole': ['it_admin'],
  'users.setUnits': ['it_admin'],
  // The audit is compliance's: IT configures but does not read who saw which patient.
  'audit.search': ['compliance_officer'],
  'audit.verify': ['compliance_officer'],
  'audit.patientReport': ['compliance_officer'],
  'audit.export': ['compliance_officer'],
  'audit.exportStatus': ['compliance_officer'],
  // Live vitals and alarms (issue 5): a clinician's; patient rules (assigned units, break-glass)
  // are checked per patient by the handlers. IT sets unit defaults; unit names carry no PHI.
  'vitals.trend': ['clinician'],
  'units.list': ['clinician', 'it_admin'],
  'alarms.limits': ['clinician'],
  'alarms.setPatientLimit': ['clinician'],
  'alarms.history': ['clinician'],
  'alarms.acknowledge': ['clinician'],
  'alarms.unitLimits': ['it_admin', 'clinician'],
  'alarms.setUnitLimit': ['it_admin'],
  'alarms.setUnitSettings': ['it_admin'],
  // FHIR sources (issue 6): IT's configuration; the counts carry no patient data.
  'fhir.sources.add': ['it_admin'],
  'fhir.sources.list': ['it_admin'],
  'fhir.sources.update': ['it_admin'],
  'fhir.sources.remove': ['it_admin'],
  'fhir.sync': ['it_admin'],
  'fhir.quarantine': ['it_admin'],
  // Bedside devices (issue 4): IT runs the HL7 interface; raw messages reach roles that may not
  // read PHI with the patient masked (see mayReadPhi).
  'ingest.status': ['it_admin'],
  'ingest.messages': ['it_admin'],
  'ingest.replay': ['it_admin'],
  // Identified patient records: clinicians only, in their units or by break-glass (checked per
  // patient by the handlers). Compliance audits who looked; it does not read vitals itself.
  'patients.search': ['clinician'],
  'patients.get': ['clinician'],
  'observations.history': ['clinician'],
  // Data products and de-identification (issue 7): IT writes definitions and profiles; the
  // catalog (no patient data: counts, coverage, quality) is for whoever decides on sharing.
  // Researchers export; each product's own access list is checked by the handler.
  'products.list': ['it_admin', 'compliance_officer', 'researcher'],
  'products.describe': ['it_admin', 'compliance_officer', 'researcher'],
  'products.save': ['it_admin'],
  'profiles.list': ['it_admin', 'compliance_officer', 'researcher'],
  'profiles.save': ['it_admin'],
  'products.unitTypes': ['it_admin', 'compliance_officer'],
  'products.setUnitType': ['it_admin'],
  'exports.create': ['researcher'],
  'exports.get': ['researcher'],
  'exports.list': ['researcher'],
  'exports.cancel': ['researcher'],
  // The mesh (issue 8): IT enrols peers and drafts agreements; a compliance officer approves and
  // revokes. Both read agreements and their preview, and either may suspend a peer at once.
  // What peers shared with us is de-identified: IT runs the pulls, researchers read the rows.
  'mesh.identity': ['it_admin', 'compliance_officer'],
  'peers.list': ['it_admin', 'compliance_officer'],
  'peers.import': ['it_admin'],
  'peers.confirm': ['it_admin'],
  'peers.suspend': ['it_admin', 'compliance_officer'],
  'peers.resume': ['it_admin'],
  'peers.remove': ['it_admin'],
  'agreements.list': ['it_admin', 'compliance_officer'],
  'agreements.history': ['it_admin', 'compliance_officer'],
  'agreements.draft': ['it_admin'],
  'agreements.revise': ['it_admin'],
  'agreements.preview': ['it_admin', 'compliance_officer'],
  'agreements.approve': ['compliance_officer'],
  'agreements.revoke': ['compliance_officer'],
  'received.list': ['it_admin', 'compliance_officer', 'researcher'],
  'received.catalog': ['it_admin'],
  'received.subscribe': ['it_admin'],
  'received.unsubscribe': ['it_admin'],
  'received.pull': ['it_admin'],
  'received.rows': ['it_admin', 'researcher'],
  // Running the node for years (issue 9): IT sets retention and runs backups; compliance may read
  // the classification, policies and run counts (disposal must be provable).
  'retention.overview': ['it_admin', 'compliance_officer'],
  'retention.setPolicy': ['it_admin'],
  'retention.run': ['it_admin'],
  'backups.status': ['it_admin'],
  'backups.run': ['it_admin'],
};

export const STREAM_ACCESS: { readonly [S in StreamName]: Access } = {
  'node.heartbeat': ALL,
  'vitals.unit': ['clinician'],
  'vitals.patient': ['clinician'],
  'fhir.syncProgress': ['it_admin'],
  'exports.progress': ['researcher'],
};

/** Roles that may read identified patient data (names, identifiers, dates) in the clear. */
export const PHI_ROLES: readonly Role[] = ['clinician'];
export const mayReadPhi = (role: Role | undefined): boolean => role !== undefined && PHI_ROLES.includes(role);

export const mayCall = (access: Access, role: Role | undefined): boolean =>
  access === 'public' || (role !== undefined && access.includes(role));
