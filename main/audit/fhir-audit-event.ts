import type { AuditEvent } from '@medplum/fhirtypes';
import type { AuditEntry } from './chain';

/**
 * One audit entry as a FHIR R4 AuditEvent, following the IHE Basic Audit Log Patterns (BALP)
 * profile's codes where they fit: DICOM 110114 "User Authentication" for login/logout, 110106
 * "Export" for exports, 110113 "Security Alert" for lockouts, and otherwise the BALP "rest" type
 * with the FHIR restful-interaction subtype; the patient as an entity with object-role 1
 * (Patient), break-glass as purposeOfEvent v3-ActReason BTG.
 * @see https://profiles.ihe.net/ITI/BALP/
 * @see https://hl7.org/fhir/R4/auditevent.html
 */
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';
const EVENT_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-event-type';
const RESTFUL = 'http://hl7.org/fhir/restful-interaction';
const ENTITY_TYPE = 'http://terminology.hl7.org/CodeSystem/audit-entity-type';
const OBJECT_ROLE = 'http://terminology.hl7.org/CodeSystem/object-role';
const SOURCE_TYPE = 'http://terminology.hl7.org/CodeSystem/security-source-type';
const PARTICIPATION = 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType';
const ACT_REASON = 'http://terminology.hl7.org/CodeSystem/v3-ActReason';
export const VITALMESH_AUDIT_SYSTEM = 'urn:vitalmesh:audit-seq';
export const VITALMESH_ROLE_SYSTEM = 'urn:vitalmesh:role';

type Coding = { system: string; code: string; display: string };

function typeOf(action: string): { type: Coding; subtype?: Coding } {
  if (action === 'auth.login') {
    return {
      type: { system: DCM, code: '110114', display: 'User Authentication' },
      subtype: { system: DCM, code: '110122', display: 'Login' },
    };
  }
  if (action === 'auth.logout') {
    return {
      type: { system: DCM, code: '110114', display: 'User Authentication' },
      subtype: { system: DCM, code: '110123', display: 'Logout' },
    };
  }
  if (action === 'auth.lockout') return { type: { system: DCM, code: '110113', display: 'Security Alert' } };
  if (action.includes('export')) return { type: { system: DCM, code: '110106', display: 'Export' } };
  const verb = action.split('.').at(-1) ?? '';
  const interaction = /^(list|search|report|patientReport)/i.test(verb)
    ? { code: 'search-type', display: 'search type' }
    : /^(get|me|status|info|health|verify|read|open|subscribe)/i.test(verb)
      ? { code: 'read', display: 'read' }
      : /^(add|create)/i.test(verb)
        ? { code: 'create', display: 'create' }
        : /^(delete|remove)/i.test(verb)
          ? { code: 'delete', display: 'delete' }
          : { code: 'update', display: 'update' };
  return {
    type: { system: EVENT_TYPE, code: 'rest', display: 'RESTful Operation' },
    subtype: { system: RESTFUL, ...interaction },
  };
}

/** FHIR action: C create, R read/view/print, U update, D delete, E execute. */
function actionCode(action: string): 'C' | 'R' | 'U' | 'D' | 'E' {
  const sub = typeOf(action).subtype?.code;
  if (sub === 'read' || sub === 'search-type') return 'R';
  if (sub === 'create') return 'C';
  if (sub === 'delete') return 'D';
  if (sub === 'update') return 'U';
  return 'E';
}

/** FHIR outcome: 0 success, 4 minor failure (refused, bad input), 8 serious failure (a node fault). */
const outcomeCode = (outcome: string): '0' | '4' | '8' =>
  outcome === 'ok' ? '0' : outcome === 'internal' ? '8' : '4';

export function toAuditEvent(entry: AuditEntry, facility: string): AuditEvent {
  const { type, subtype } = typeOf(entry.action);
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id: `vitalmesh-${entry.seq}`,
    type,
    ...(subtype ? { subtype: [subtype] } : {}),
    action: actionCode(entry.action),
    recorded: new Date(entry.at).toISOString(),
    outcome: outcomeCode(entry.outcome),
    outcomeDesc: entry.outcome,
    ...(entry.breakGlassReason
      ? {
          purposeOfEvent: [
            {
              coding: [{ system: ACT_REASON, code: 'BTG', display: 'break the glass' }],
              text: entry.breakGlassReason,
            },
          ],
        }
      : {}),
    agent: [
      {
        type: { coding: [{ system: PARTICIPATION, code: 'IRCP', display: 'information recipient' }] },
        who: { identifier: { system: 'urn:vitalmesh:user', value: entry.actor } },
        ...(entry.role ? { role: [{ coding: [{ system: VITALMESH_ROLE_SYSTEM, code: entry.role }] }] } : {}),
        requestor: true,
        ...(entry.remoteAddress ? { network: { address: entry.remoteAddress, type: '2' as const } } : {}),
      },
    ],
    source: {
      site: facility,
      observer: { display: `VitalMesh (${entry.host} host)` },
      type: [{ system: SOURCE_TYPE, code: '4', display: 'Application Server' }],
    },
    entity: [
      // The chain position and MAC, so a reviewer can tie the resource back to the verified chain.
      {
        what: { identifier: { system: VITALMESH_AUDIT_SYSTEM, value: String(entry.seq) } },
        type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
        name: entry.action,
        detail: [
          { type: 'mac', valueBase64Binary: entry.mac.toString('base64') },
          ...(entry.details ? [{ type: 'details', valueString: entry.details }] : []),
        ],
      },
      ...(entry.patientId !== null
        ? [
            {
              what: { reference: `Patient/${entry.patientId}` },
              type: { system: ENTITY_TYPE, code: '1', display: 'Person' },
              role: { system: OBJECT_ROLE, code: '1', display: 'Patient' },
            },
          ]
        : []),
      ...(entry.target
        ? [
            {
              what: { display: entry.target },
              type: { system: ENTITY_TYPE, code: '2', display: 'System Object' },
            },
          ]
        : []),
    ],
  };
  return event;
}
