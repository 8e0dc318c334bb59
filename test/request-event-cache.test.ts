/**
 * The stored form of request AuditEvents, made once for requests alike (server/audit/request-event-cache.ts), is
 * exactly what serializing and extracting each whole event gives, for every shape auditEventOf makes and however
 * often a request comes again (https://hl7.org/fhir/R4/auditevent.html#search).
 */
import assert from 'node:assert/strict';
import { auditEventOf, type AccessRecord } from '../server/audit/balp-audit-event.ts';
import { storeWriteOf } from '../server/audit/event-writer.ts';
import { RequestEventCache } from '../server/audit/request-event-cache.ts';
import type { IndexEntries } from '../server/store/types.ts';

const base: AccessRecord = { interaction: 'read', method: 'GET', url: '/fhir/Observation/o1', status: 200, at: new Date('2026-02-03T04:05:06.789Z') };

/** Every optional part of a record, over each kind of interaction and outcome. */
const variants: Partial<AccessRecord>[] = [
  {},
  { clientId: 'app', role: 'internal', clientAddress: '10.1.2.3' },
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
  { clientId: 'holds \u0001id\u0001 itself' },
];

/** Entries in a canonical order (the index treats every list as a set). */
function canonical(entries: IndexEntries): unknown {
  const sorted = (list: unknown[]) => list.map((e) => JSON.stringify(e)).sort();
  return { ...entries, tok: sorted(entries.tok), ref: sorted(entries.ref), compartments: sorted(entries.compartments), str: sorted(entries.str), dt: sorted(entries.dt), num: sorted(entries.num), uri: sorted(entries.uri), txt: sorted(entries.txt) };
}

describe('stored form of request AuditEvents, made once for alike requests', () => {
  const cache = new RequestEventCache('test-site');
  for (const [i, variant] of variants.entries()) {
    it(`as serializing and extracting the event gives, first and again: ${JSON.stringify(variant)}`, () => {
      for (const [at, requestId] of [['2026-02-03T04:05:06.789Z', 'r-1'], ['2027-12-31T23:59:59.001Z', 'r-2'], ['2028-01-01T00:00:00.000Z', undefined]] as const) {
        const record = { ...base, ...variant, at: new Date(at), requestId };
        const lastUpdated = new Date(Date.parse(at) + 3);
        const cached = cache.storeWriteOf(record, `e${i}`, lastUpdated);
        const expected = storeWriteOf(auditEventOf(record, 'test-site', `e${i}`, lastUpdated.toISOString()));
        assert.equal(cached.json, expected.json);
        assert.deepEqual(canonical(cached.index), canonical(expected.index));
        assert.deepEqual({ ...cached, json: undefined, index: undefined }, { ...expected, json: undefined, index: undefined });
      }
    });
  }
});
