/**
 * An aggregate release or refusal of the disclosure ledger (server/policy/release-ledger.ts) as an AuditEvent, so
 * site administrators search the ledger with the rest of the audit trail (`GET /fhir/AuditEvent?subtype=release`).
 * An export (DICOM 110106) of the query entity; the entity's details carry what was released — suppressed cells
 * only as "suppressed", never their true value — the budget spent and left, and the ledger's sequence and hash.
 * https://hl7.org/fhir/R4/auditevent.html, https://profiles.ihe.net/ITI/BALP/content.html
 */
import type { AuditEvent, AuditEventEntityDetail } from '@medplum/fhirtypes';
import type { LedgerEntry } from '../policy/release-ledger.ts';
import { POLICY_RULE_SYSTEM } from '../policy/refusals.ts';

/** `subtype` codes of ledger events: `release` (numbers left the site) or `refusal` (a rule stopped the query). */
export const DISCLOSURE_EVENT_SYSTEM = 'https://vitrine.dev/fhir/CodeSystem/disclosure-event';
const DCM = 'http://dicom.nema.org/resources/ontology/DCM';

/** The AuditEvent id of a ledger entry: its hash, so writing it twice is a conflict, never a duplicate. */
export function disclosureAuditEventId(entry: LedgerEntry): string {
  return entry.hash;
}

/** The AuditEvent of one ledger entry at the server named `serverName`. */
export function disclosureAuditEventOf(entry: LedgerEntry, serverName: string): AuditEvent {
  const refused = entry.refused !== undefined;
  const detail: AuditEventEntityDetail[] = [
    { type: 'ledger-seq', valueString: String(entry.seq) },
    { type: 'ledger-hash', valueString: entry.hash },
    { type: 'budget-period', valueString: entry.period },
    { type: 'epsilon-spent', valueString: String(entry.cost) },
  ];
  if (entry.budgetLeft !== undefined) detail.push({ type: 'budget-left', valueString: String(entry.budgetLeft) });
  if (entry.released) detail.push({ type: 'released', valueString: JSON.stringify(entry.released) });
  if (entry.repeat) detail.push({ type: 'repeat', valueString: 'true' });
  if (entry.fingerprint) detail.push({ type: 'fingerprint', valueString: entry.fingerprint });
  if (refused) detail.push({ type: 'refused-rule', valueString: entry.refused! });
  const event: AuditEvent = {
    resourceType: 'AuditEvent',
    id: disclosureAuditEventId(entry),
    type: { system: DCM, code: '110106', display: 'Export' },
    subtype: [{ system: DISCLOSURE_EVENT_SYSTEM, code: refused ? 'refusal' : 'release', display: refused ? 'Aggregate query refused' : 'Aggregate release' }],
    action: 'E',
    recorded: entry.at,
    outcome: refused ? '4' : '0',
    agent: [
      {
        type: { coding: [{ system: DCM, code: '110153', display: 'Source Role ID' }] },
        who: { identifier: { system: 'urn:vitrine:client', value: entry.caller }, display: entry.role },
        // altId makes the caller searchable as a token: AuditEvent?altid=<client id>.
        altId: entry.caller,
        requestor: true,
      },
      { type: { coding: [{ system: DCM, code: '110152', display: 'Destination Role ID' }] }, who: { display: serverName }, requestor: false },
    ],
    source: {
      observer: { display: serverName },
      type: [{ system: 'http://terminology.hl7.org/CodeSystem/security-source-type', code: '4', display: 'Application Server' }],
    },
    entity: [{
      type: { system: 'http://terminology.hl7.org/CodeSystem/audit-entity-type', code: '2', display: 'System Object' },
      role: { system: 'http://terminology.hl7.org/CodeSystem/object-role', code: '24', display: 'Query' },
      // entity-name: the aggregate operation (`search-count`, `Measure/$evaluate-measure`, ...).
      name: entry.operation,
      description: entry.query.slice(0, 1000),
      query: Buffer.from(entry.query, 'utf8').toString('base64'),
      detail,
    }],
  };
  if (refused) {
    event.outcomeDesc = `Rule ${entry.refused}`;
    event.agent[0].policy = [`${POLICY_RULE_SYSTEM}#${entry.refused}`];
  }
  return event;
}
