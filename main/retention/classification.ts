import type { DataClass, TableClassification } from '../../shared/api/retention';

/**
 * Every table of the store, tagged once: what kind of data it holds and which retention class
 * (if any) disposes of it. The Retention screen and docs/operations.md show this list, and a test
 * fails when a migration adds a table that is not here, so a new table can't arrive unclassified.
 *
 * phi: identifies a person or is health data about an identified person (HIPAA §160.103);
 * deidentified: has passed the de-identification pipeline (Safe Harbor + k gate) or came from a
 * peer that ran it; operational: configuration, keys, accounts and bookkeeping of the node.
 */
export const CLASSIFICATION: readonly TableClassification[] = [
  t('patients', 'phi', 'Demographics and bed of each patient (names, birth date, sex, location).'),
  t('patient_identifiers', 'phi', 'MRNs and other identifiers with their assigning authority.'),
  t('patient_zip', 'phi', 'Residential ZIP code (only ZIP3 ever leaves).'),
  t('patient_conflicts', 'phi', 'Demographics a message disagreed on, for review.'),
  t('observations', 'phi', 'Vital-sign values per patient, device and time.', 'observations'),
  t('hl7_messages', 'phi', 'Raw HL7 v2 messages as received, with their ACKs.', 'hl7_messages'),
  t('fhir_quarantine', 'phi', 'FHIR resources that could not be stored, raw.', 'quarantine'),
  t('fhir_resources', 'phi', 'Which FHIR resource (and version) produced which patient data.'),
  t('fhir_observation_rows', 'phi', 'Links FHIR resources to the observation rows they produced.'),
  t('alarm_events', 'phi', 'Alarm episodes per patient: value, limit, acknowledgement.', 'alarm_history'),
  t('alarm_limits_patient', 'phi', 'Alarm limits a clinician set for one patient.'),
  t('audit_log', 'phi', 'The audit chain: who did what, with patient ids. Never purged.'),
  t('audit_head', 'operational', 'The MAC of the last audit entry (tail-deletion evidence).'),
  t('audit_forward', 'operational', 'How far each SIEM has been sent the audit chain.'),
  t('mesh_received_batches', 'deidentified', 'Product rows received from peers.', 'peer_products'),
  t(
    'dataset_exports',
    'deidentified',
    'Dataset exports: manifests and release reports (files on disk).',
    'export_files',
  ),
  t('devices', 'operational', 'Bedside devices and when each was last heard from.'),
  t('node_meta', 'operational', 'Node-wide settings (facility id, created at).'),
  t('users', 'operational', 'Local accounts, roles, password hashes.'),
  t('sessions', 'operational', 'Login sessions (token hashes only).'),
  t('fhir_sources', 'operational', 'FHIR servers, their credentials and last sync state.'),
  t('fhir_cursors', 'operational', 'Incremental sync position per FHIR search.'),
  t('fhir_locations', 'operational', 'Bed, room and ward locations from FHIR.'),
  t('product_definitions', 'operational', 'Data product definitions, versioned.'),
  t('deid_profiles', 'operational', 'De-identification profiles, versioned.'),
  t('unit_types', 'operational', 'What kind of unit each unit label is.'),
  t('alarm_limits_unit', 'operational', 'Alarm limits per unit.'),
  t('alarm_unit_settings', 'operational', 'Signal-lost time per unit.'),
  t('mesh_certificates', 'operational', "This facility's CA and node certificates and keys."),
  t('mesh_peers', 'operational', 'Enrolled peer facilities and their CA certificates.'),
  t('mesh_agreements', 'operational', 'Sharing agreements, versioned.'),
  t('mesh_agreement_keys', 'operational', 'Pseudonym key per agreement.'),
  t('mesh_sent_state', 'operational', 'What each peer last acknowledged.'),
  t('mesh_subscriptions', 'operational', 'What this node pulls from which peer, and where it is.'),
  t('retention_policies', 'operational', 'Retention period per class, set by IT.'),
  t('retention_runs', 'operational', 'Each purge run and its counts.'),
  t('backup_runs', 'operational', 'Each scheduled backup and its verification.'),
];

function t(
  table: string,
  dataClass: DataClass,
  description: string,
  retentionClass?: string,
): TableClassification {
  return { table, dataClass, description, retentionClass: retentionClass ?? null };
}

/** Tables a migration made that the list above doesn't name: the classification test's check. */
export function unclassifiedTables(tables: readonly string[]): string[] {
  const known = new Set(CLASSIFICATION.map((c) => c.table));
  return tables.filter((name) => !known.has(name) && !name.startsWith('sqlite_'));
}
