/**
 * AuditEvents shaped as IHE Basic Audit Log Patterns (BALP): a RESTful activity with the client and server
 * agents, the user (requestor), the data or query entity, the patient when known, and the outcome.
 * https://profiles.ihe.net/ITI/BALP/content.html
 */
import type { AuditEvent, AuditEventAgent, AuditEventEntity } from '@medplum/fhirtypes';

const BALP = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/** What the HTTP layer knows of one request once it is answered. */
export interface AccessRecord {
  /** A restful-interaction code (read, search-type, create, ...), or `operation`, `token`, `authorize`. */
  interaction: string;
  method: string;
  /** The path and query as requested: "/fhir/Patient?gender=female". */
  url: string;
  status: number;
  /** Why a refused or failed request failed. */
  reason?: string;
  clientId?: string;
  /** The client a federation hub asked for (verified X-Vitrine-On-Behalf-Of). */
  onBehalfOf?: string;
  /** The v3 PurposeOfUse the hub vouched for. */
  purposeOfUse?: string;
  role?: string;
  patient?: string;
  /** "Type/id" when the request named one resource. */
  resource?: string;
  /** The query string of a search or operation. */
  query?: string;
  clientAddress?: string;
  requestId?: string;
  at: Date;
}

const ACTION: Record<string, AuditEvent['action']> = { GET: 'R', POST: 'C', PUT: 'U', PATCH: 'U', DELETE: 'D' };

function balpProfile(record: AccessRecord): string {
  if (record.query !== undefined && record.interaction.startsWith('search')) return `${BALP}/IHE.BasicAudit.${record.patient ? 'PatientQuery' : 'Query'}`;
  const kind = { C: 'Create', R: 'Read', U: 'Update', D: 'Delete', E: 'Query' }[actionOf(record)] ?? 'Read';
  return `${BALP}/IHE.BasicAudit.${record.patient ? `Patient${kind}` : kind}`;
}

function actionOf(record: AccessRecord): NonNullable<AuditEvent['action']> {
  if (record.interaction.startsWith('search') || record.interaction === 'operation' || record.interaction === 'batch' || record.interaction === 'transaction') return 'E';
  return ACTION[record.method] ?? 'E';
}

/** The AuditEvent of one request at the server named `serverName`, stored under `id` at `lastUpdated`. */
export function auditEventOf(record: AccessRecord, serverName: string, id: string, lastUpdated: string): AuditEvent {
  const outcome: AuditEvent['outcome'] = record.status < 400 ? '0' : record.status < 500 ? '4' : '8';
  const agent: AuditEventAgent[] = [
    record.clientAddress
      ? {
          type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
          who: { identifier: { system: 'urn:vitrine:client', value: record.clientId ?? 'anonymous' }, display: record.role },
          requestor: false,
          network: { address: record.clientAddress, type: '2' },
        }
      : {
          type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
          who: { identifier: { system: 'urn:vitrine:client', value: record.clientId ?? 'anonymous' }, display: record.role },
          requestor: false,
        },
    {
      type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] },
      who: { display: serverName },
      requestor: false,
      network: { address: record.url.split('?')[0], type: '5' },
    },
    {
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'IRCP', display: 'information recipient' }] },
      who: { identifier: { system: 'urn:vitrine:client', value: record.clientId ?? 'anonymous' } },
      requestor: !record.onBehalfOf,
    },
  ];
  if (record.onBehalfOf) {
    // Asked through a federation hub: the researcher the hub vouched for is the one who asked.
    agent.push({
      type: { coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ParticipationType', code: 'AUT', display: 'author (originator)' }] },
      who: { identifier: { system: 'urn:vitrine:client', value: record.onBehalfOf }, display: `via ${record.clientId}` },
      requestor: true,
    });
  }
  const entity: AuditEventEntity[] = [];
  if (record.query !== undefined) {
    entity.push({
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24', display: 'Query' },
      description: record.url,
      query: Buffer.from(record.query, 'utf8').toString('base64'),
    });
  }
  if (record.resource) {
    entity.push({
      what: { reference: record.resource },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '4', display: 'Domain Resource' },
    });
  }
  if (record.patient) {
    entity.push({
      what: { reference: `Patient/${record.patient}` },
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '1', display: 'Person' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '1', display: 'Patient' },
    });
  }
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id,
    ...(record.purposeOfUse ? { purposeOfEvent: [{ coding: [{ system: 'http://terminology.hl7.org/CodeSystem/v3-ActReason', code: record.purposeOfUse }] }] } : {}),
    meta: { versionId: '1', lastUpdated, profile: [balpProfile(record)] },
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest', display: 'Restful Operation' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: record.interaction }],
    action: actionOf(record),
    recorded: record.at.toISOString(),
    outcome,
    agent,
    source: {
      observer: { display: serverName },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: entity.length > 0 ? entity : undefined,
  };
  if (record.status >= 400) event.outcomeDesc = `${record.status}${record.reason ? ` ${record.reason}` : ''}`;
  if (record.requestId) event.extension = [{ url: 'urn:vitrine:request-id', valueString: record.requestId }];
  return event;
}
