/**
 * The index entries of request AuditEvents, remembered by what the requests have alike
 * (server/audit/request-index-cache.ts), are exactly what the extractor finds in each whole event, for every
 * shape auditEventOf makes and however often a request comes again (https://hl7.org/fhir/R4/auditevent.html#search).
 */
import assert from 'node:assert/strict';
import { auditEventOf, type AccessRecord } from '../server/audit/balp-audit-event.ts';
import { RequestIndexCache } from '../server/audit/request-index-cache.ts';
import { extractIndexEntries } from '../server/search/extract.ts';
import type { IndexEntries } from '../server/store/types.ts';

const base: AccessRecord = { interaction: 'read', method: 'GET', url: '/fhir/Observation/o1', status: 200, at: new Date('2026-02-03T04:05:06.789Z') };

/** Every optional part of a record, over each kind of interaction and outcome. */
const variants: Partial<AccessRecord>[] = [
  {},
  { clientId: 'app', role: 'internal', clientAddress: '10.1.2.3', requestId: 'r-1' },
  { resource: 'Observation/o1' },
  { resource: 'Patient/p1', patient: 'p1' },
  { patient: 'p2', resource: 'Observation/o9', clientId: 'patient-app' },
  { interaction: 'search-type', url: '/fhir/Observation?code=8867-4', query: 'code=8867-4' },
  { interaction: 'search-type', url: '/fhir/Patient/p1/Observation?_count=5', query: '_count=5', patient: 'p1' },
  { interaction: 'search-system', method: 'POST', url: '/fhir/_search', query: '_type=Patient&name=Zoë' },
  { interaction: 'create', method: 'POST', url: '/fhir/Patient', status: 201, resource: 'Patient/new' },
  { interaction: 'delete', method: 'DELETE', url: '/fhir/Condition/c1', status: 204, resource: 'Condition/c1' },
  { interaction: 'transaction', method: 'POST', url: '/fhir', status: 200 },
  { interaction: 'operation', method: 'POST', url: '/fhir/Measure/$evaluate-measure', query: 'period-start=2020' },
  { interaction: 'token', method: 'POST', url: '/auth/token', status: 401, reason: 'invalid_client' },
  { status: 403, reason: 'Rule smart-scope: no Observation.r', clientId: 'narrow' },
  { status: 500, reason: 'boom' },
  { onBehalfOf: 'researcher', purposeOfUse: 'HRESCH', clientId: 'hub', role: 'aggregate' },
  { clientAddress: '::ffff:127.0.0.1', clientId: 'Ålesund "quoted" \\ app', role: 'Admin' },
  { url: '/fhir/Patient/p1/_history/2', resource: 'Patient/p1', patient: 'p1', interaction: 'vread' },
];

/** Entries in a canonical order (the index treats every list as a set). */
function canonical(entries: IndexEntries): unknown {
  const sorted = (list: unknown[]) => list.map((e) => JSON.stringify(e)).sort();
  return { ...entries, tok: sorted(entries.tok), ref: sorted(entries.ref), compartments: sorted(entries.compartments), str: sorted(entries.str), dt: sorted(entries.dt), num: sorted(entries.num), uri: sorted(entries.uri), txt: sorted(entries.txt) };
}

describe('index entries of request AuditEvents, remembered', () => {
  const cache = new RequestIndexCache();
  for (const [i, variant] of variants.entries()) {
    it(`as the extractor finds them, first and again later: ${JSON.stringify(variant)}`, () => {
      for (const at of ['2026-02-03T04:05:06.789Z', '2027-12-31T23:59:59.001Z']) {
        const record = { ...base, ...variant, at: new Date(at), requestId: `r-${at}` };
        const event = auditEventOf(record, 'test-site', `e${i}-${at}`, at);
        assert.deepEqual(canonical(cache.indexEntriesOf(record, event)), canonical(extractIndexEntries(event)));
      }
    });
  }
});
