/**
 * AuditEvent search on the audit log (server/audit/audit-log-store.ts) answers exactly as the embedded store does
 * (whose answers the search matrix checks): the same events, in the same order, with the same totals, for every
 * kind of AuditEvent search parameter (https://hl7.org/fhir/R4/auditevent.html#search) and modifier, sort and
 * paging, over events of every shape the server records (BALP requests, disclosure releases and refusals).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent } from '@medplum/fhirtypes';
import { AuditLogStore } from '../server/audit/audit-log-store.ts';
import { auditEventOf, type AccessRecord } from '../server/audit/balp-audit-event.ts';
import { DISCLOSURE_EVENT_SYSTEM, disclosureAuditEventOf } from '../server/audit/disclosure-audit-event.ts';
import { storeWriteOf } from '../server/audit/event-writer.ts';
import type { Store } from '../server/store/types.ts';
import { runSearch } from './search-matrix.ts';
import { temporaryEmbeddedStore } from './store/temporary-embedded-store.ts';

const DAY = 86_400_000;
const START = Date.UTC(2026, 0, 1, 8);
const BALP_READ = 'https://profiles.ihe.net/ITI/BALP/StructureDefinition/IHE.BasicAudit.Read';

/** Requests of every kind: reads and searches by several clients, writes, refusals, token requests, via a hub. */
function requestEvents(): AuditEvent[] {
  const events: AuditEvent[] = [];
  const interactions = [
    { interaction: 'read', method: 'GET', path: (i: number) => `/fhir/Observation/o${i % 7}`, resource: (i: number) => `Observation/o${i % 7}` },
    { interaction: 'read', method: 'GET', path: (i: number) => `/fhir/Patient/p${i % 3}`, resource: (i: number) => `Patient/p${i % 3}` },
    { interaction: 'search-type', method: 'GET', path: () => '/fhir/Observation', query: (i: number) => `code=8867-4&_count=${i}` },
    { interaction: 'update', method: 'PUT', path: (i: number) => `/fhir/Condition/c${i % 4}`, resource: (i: number) => `Condition/c${i % 4}` },
    { interaction: 'token', method: 'POST', path: () => '/auth/token' },
  ];
  for (let i = 0; i < 60; i++) {
    const kind = interactions[i % interactions.length];
    const status = [200, 200, 200, 401, 403, 404][i % 6];
    const record: AccessRecord = {
      interaction: kind.interaction,
      method: kind.method,
      url: `${kind.path(i)}${'query' in kind && kind.query ? `?${kind.query(i)}` : ''}`,
      status,
      reason: status >= 400 ? `refused ${status}` : undefined,
      clientId: status === 401 ? undefined : `app-${i % 4}`,
      role: i % 4 === 3 ? 'admin' : 'internal',
      patient: i % 5 === 0 ? `p${i % 3}` : undefined,
      resource: 'resource' in kind && kind.resource ? kind.resource(i) : undefined,
      query: 'query' in kind && kind.query ? kind.query(i) : undefined,
      clientAddress: i % 7 === 0 ? undefined : `10.0.0.${i % 3}`,
      onBehalfOf: i % 9 === 0 ? `Researcher-${i % 2}` : undefined,
      purposeOfUse: i % 9 === 0 ? 'HRESCH' : undefined,
      requestId: `req-${i}`,
      at: new Date(START + i * (DAY / 10)),
    };
    events.push(auditEventOf(record, 'test-site', `e${String(i).padStart(3, '0')}`, new Date(START + i * (DAY / 10) + 5).toISOString()));
  }
  return events;
}

/** Aggregate releases and refusals of the disclosure ledger (altId, policy, entity name and details). */
function disclosureEvents(): AuditEvent[] {
  return Array.from({ length: 6 }, (_, i) => {
    const event = disclosureAuditEventOf(
      {
        seq: i, at: new Date(START + i * DAY).toISOString(), caller: `researcher-${i % 2}`, role: 'aggregate', operation: i % 2 ? 'Measure/$evaluate-measure' : 'search-count',
        query: `Patient?gender=${i % 2 ? 'female' : 'male'}`, released: i % 3 ? { total: 20 + i } : undefined, period: '2026-01-01', cost: 0.1, budgetLeft: 1 - i / 10,
        refused: i % 3 ? undefined : 'min-cell-size', prevHash: `h${i - 1}`, hash: `h${i}`,
      },
      'test-site',
    );
    return { ...event, meta: { versionId: '1', lastUpdated: new Date(START + i * DAY + 1).toISOString() } };
  });
}

const SEARCHES = [
  '', '_count=5', '_count=5&_offset=5', '_sort=-date', '_sort=date&_count=7', '_sort=-_lastUpdated&_count=4', '_sort=address', '_sort=-entity',
  '_id=e003', '_id=e003,e010,nothing', '_summary=count', '_total=accurate&_count=3',
  'subtype=read', 'subtype=http://hl7.org/fhir/restful-interaction|search-type', `subtype=${DISCLOSURE_EVENT_SYSTEM}|release`, 'subtype:not=read', 'subtype=token',
  'action=R', 'action=E,C', 'outcome=4', 'outcome:not=0', 'type=rest', 'type=|rest', 'type=http://terminology.hl7.org/CodeSystem/audit-event-type|', 'type:text=restful',
  'entity-role=24', 'entity-type=2', 'entity-type:missing=true', 'agent:identifier=urn:vitrine:client|app-1', 'agent:identifier=Researcher-0',
  'altid=researcher-1', 'policy=https://vitrine.dev/fhir/CodeSystem/policy-rule#min-cell-size', 'policy:missing=false',
  'entity-name=search', 'entity-name:exact=search-count', 'entity-name:contains=evaluate', 'entity-name:missing=true',
  'entity=Patient/p1', 'entity=Observation/o3,Condition/c1', 'patient=p1', 'patient=Patient/p2&action=R', 'patient:missing=true',
  'address=10.0.0.1', 'address=/fhir/patient', 'address:contains=observation', 'address:exact=/fhir/Patient/p1',
  'date=ge2026-01-03', 'date=lt2026-01-02', 'date=2026-01-04', 'date=ge2026-01-02&date=lt2026-01-04&_sort=-date', 'date=ne2026-01-02', 'date=ap2026-01-05',
  `_lastUpdated=gt${new Date(START + 3 * DAY).toISOString()}`, `_profile=${BALP_READ}`, '_profile:below=https://profiles.ihe.net/ITI/BALP',
  'subtype=read&outcome=0&_sort=-date&_count=3', 'source:missing=true', 'site:missing=false',
  'address=10.0.0.1&date=ge2026-01-03', '_sort=address&outcome=0', 'address:contains=patient,observation', 'entity-name=search&_sort=-date',
  'address:exact=/fhir/Observation/o3&action=R&date=lt2026-01-05', 'type:text=restful&_sort=-address&_count=6', 'date=ge2026-01-02,lt2026-01-01&address=10.0.0.2',
];

describe('audit log: AuditEvent search answers as the embedded store does', () => {
  let dir: string;
  let log: AuditLogStore;
  let embedded: Store;
  let cleanup: () => Promise<void>;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vitrine-audit-search-'));
    log = new AuditLogStore({ dir });
    await log.open();
    ({ store: embedded, cleanup } = await temporaryEmbeddedStore());
    const writes = [...requestEvents(), ...disclosureEvents()].map((event) => storeWriteOf(event));
    await log.commit(writes);
    await embedded.commit(writes);
  });
  after(async () => {
    await log.close();
    await cleanup();
    await rm(dir, { recursive: true, force: true });
  });

  for (const query of SEARCHES) {
    it(query || '(everything)', async () => {
      const [fromLog, fromEmbedded] = await Promise.all([runSearch(log, 'AuditEvent', query), runSearch(embedded, 'AuditEvent', query)]);
      assert.deepEqual(fromLog.matches.map((v) => v.id), fromEmbedded.matches.map((v) => v.id));
      assert.equal(fromLog.total, fromEmbedded.total);
      assert.deepEqual(fromLog.matches.map((v) => v.json), fromEmbedded.matches.map((v) => v.json));
    });
  }

  it('finds something for most searches (the population exercises them)', async () => {
    let nonEmpty = 0;
    for (const query of SEARCHES) if (((await runSearch(log, 'AuditEvent', query)).total ?? 0) > 0) nonEmpty++;
    assert.ok(nonEmpty >= SEARCHES.length - 4, `${nonEmpty} of ${SEARCHES.length}`);
  });

  it('pages through a sorted search by its cursor links as the embedded store does', async () => {
    for (const base of ['_sort=-date&_count=7', 'outcome=0&_count=4', '_sort=address&_count=9']) {
      const pages = async (store: Store) => {
        const seen: string[][] = [];
        for (let query = base; query; ) {
          const result = await runSearch(store, 'AuditEvent', query);
          seen.push(result.matches.map((v) => v.id));
          query = result.cursors?.next ? `${base}&_cursor=${encodeURIComponent(result.cursors.next)}` : '';
        }
        return seen;
      };
      const [a, b] = await Promise.all([pages(log), pages(embedded)]);
      assert.ok(a.length > 1, `${base} has several pages`);
      assert.deepEqual(a, b);
    }
  });

  it('reads, versions and history as the embedded store does', async () => {
    assert.deepEqual(await log.read('AuditEvent', 'e007'), await embedded.read('AuditEvent', 'e007'));
    assert.deepEqual(await log.readVersion('AuditEvent', 'e007', 1), await embedded.readVersion('AuditEvent', 'e007', 1));
    assert.equal(await log.readVersion('AuditEvent', 'e007', 2), undefined);
    assert.equal(await log.read('Patient', 'e007'), undefined);
    for (const query of [{ limit: 10 }, { type: 'AuditEvent', limit: 5, skip: 3 }, { type: 'AuditEvent', id: 'e011', limit: 5 }, { since: new Date(START + 2 * DAY), limit: 100 }]) {
      const [a, b] = await Promise.all([log.history(query), embedded.history(query)]);
      assert.deepEqual(a.versions.map((v) => v.id), b.versions.map((v) => v.id));
      assert.equal(a.total, b.total);
    }
  });
});
