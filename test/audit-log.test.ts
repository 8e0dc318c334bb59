/**
 * The audit trail on disk (server/audit/audit-log-store.ts): an append-only log of AuditEvents that survives a
 * restart (and a crash's torn last write), stays searchable with the AuditEvent search parameters
 * (https://hl7.org/fhir/R4/auditevent.html#search), and never loses, replaces or repeats an event.
 */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { AuditLogStore } from '../server/audit/audit-log-store.ts';
import { AuditTrail } from '../server/audit/audit-trail.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { emptyIndexEntries } from '../server/store/types.ts';
import { createTestSite, FHIR_JSON } from './support/test-site.ts';

const ADMIN = { role: 'admin' as const, scopes: 'system/*.rs', clientId: 'site-admin' };

/** An event as the trail records a request: a read of `resource` by `clientId`. */
function readEvent(resource: string, clientId = 'app'): AuditEvent {
  return {
    resourceType: 'AuditEvent',
    type: { system: 'http://terminology.hl7.org/CodeSystem/audit-event-type', code: 'rest' },
    subtype: [{ system: 'http://hl7.org/fhir/restful-interaction', code: 'read' }],
    action: 'R',
    recorded: new Date().toISOString(),
    outcome: '0',
    agent: [{ who: { identifier: { system: 'urn:vitrine:client', value: clientId } }, requestor: true }],
    source: { observer: { display: 'test' } },
    entity: [{ what: { reference: resource } }],
  };
}

async function openLog(dir: string, segmentBytes?: number): Promise<AuditLogStore> {
  const store = new AuditLogStore({ dir, segmentBytes });
  await store.open();
  return store;
}

async function entities(store: AuditLogStore): Promise<string[]> {
  const { versions } = await store.history({ type: 'AuditEvent', limit: 1000 });
  return versions.reverse().map((v) => (JSON.parse(v.json) as AuditEvent).entity![0].what!.reference!);
}

describe('audit log: the AuditEvents on disk', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'vitrine-audit-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('keeps the events of requests across a restart, searchable by their parameters', async () => {
    const before = await createTestSite({ dir });
    await before.http.put('/fhir/Patient/r1').type(FHIR_JSON).send({ resourceType: 'Patient', id: 'r1' }).expect(201);
    await before.http.get('/fhir/Patient/r1').expect(200);
    await before.close();

    const after = await createTestSite({ dir });
    try {
      await after.http.get('/fhir/Patient/r1').expect(200);
      await after.audit.flush();
      const admin = await after.as(ADMIN);
      const res = await admin.get('/fhir/AuditEvent?entity=Patient/r1&subtype=read&_total=accurate').expect(200);
      const reads = ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
      assert.equal((res.body as Bundle).total, 2, 'the read before the restart and the one after');
      assert.ok(reads.every((e) => e.agent[0].who?.identifier?.value === 'test-internal'));
      const updates = await admin.get('/fhir/AuditEvent?entity=Patient/r1&action=U').expect(200);
      assert.equal((updates.body as Bundle).entry?.length, 1);
    } finally {
      await after.close();
    }
  });

  it('cuts off a torn last write (a crash mid-append) and goes on appending after it', async () => {
    const store = await openLog(dir);
    const trail = new AuditTrail(store, 'test');
    trail.append(readEvent('Patient/t1'));
    trail.append(readEvent('Patient/t2'));
    await trail.flush();
    await store.close();
    const [segment] = await readdir(dir);
    await appendFile(path.join(dir, segment), '{"resourceType":"AuditEvent","id":"torn","recor');

    const reopened = await openLog(dir);
    assert.deepEqual(await entities(reopened), ['Patient/t1', 'Patient/t2']);
    const again = new AuditTrail(reopened, 'test');
    again.append(readEvent('Patient/t3'));
    await again.flush();
    await reopened.close();

    const third = await openLog(dir);
    assert.deepEqual(await entities(third), ['Patient/t1', 'Patient/t2', 'Patient/t3']);
    await third.close();
  });

  it('begins a new segment once one is full, and reads every segment back in order', async () => {
    const store = await openLog(dir, 2000);
    const trail = new AuditTrail(store, 'test');
    const written: string[] = [];
    for (let batch = 0; batch < 6; batch++) {
      for (let i = 0; i < 3; i++) {
        written.push(`Observation/s${batch}-${i}`);
        trail.append(readEvent(written[written.length - 1]));
      }
      await trail.flush();
    }
    await store.close();
    assert.ok((await readdir(dir)).length > 2, 'several segments');
    const reopened = await openLog(dir, 2000);
    assert.deepEqual(await entities(reopened), written);
    assert.equal(await reopened.count({ type: 'AuditEvent', deleted: false }), written.length);
    await reopened.close();
  });

  it('records an event the server names twice once, and keeps the rest of its batch', async () => {
    const store = await openLog(dir);
    const trail = new AuditTrail(store, 'test');
    trail.append({ ...readEvent('Patient/d1'), id: 'ledger-entry-1' });
    await trail.flush();
    trail.append({ ...readEvent('Patient/d1'), id: 'ledger-entry-1' });
    trail.append({ ...readEvent('Patient/d2'), id: 'ledger-entry-2' });
    trail.append({ ...readEvent('Patient/d2'), id: 'ledger-entry-2' });
    trail.append(readEvent('Patient/d3'));
    await trail.flush();
    assert.deepEqual(await entities(store), ['Patient/d1', 'Patient/d2', 'Patient/d3']);
    const [write] = (await store.history({ type: 'AuditEvent', limit: 1 })).versions;
    await assert.rejects(store.commit([{ ...write, expectedVid: 0, index: emptyIndexEntries() }]), /expected version 0/);
    await assert.rejects(store.commit([{ ...write, vid: 2, expectedVid: 1, index: emptyIndexEntries() }]), /append-only/);
    await store.close();
  });

  it('records events that come while the log is read back at start, after those on disk, each once', async () => {
    const first = await openLog(dir);
    const trail = new AuditTrail(first, 'test');
    for (let i = 0; i < 5000; i++) trail.append({ ...readEvent(`Observation/r${i}`), id: i === 7 ? 'ledger-7' : undefined });
    await trail.flush();
    await first.close();

    const reopened = await openLog(dir);
    const during = new AuditTrail(reopened, 'test');
    during.append(readEvent('Patient/early'));
    during.append({ ...readEvent('Patient/again'), id: 'ledger-7' }); // on disk already: not recorded twice
    during.append({ ...readEvent('Patient/ledger'), id: 'ledger-8' });
    await during.flush();
    assert.equal(await reopened.count({ type: 'AuditEvent', deleted: false }), 5002);
    assert.equal(await reopened.count({ type: 'AuditEvent', ref: 'entity|Patient/early' }), 1);
    assert.equal((await reopened.find({ filter: { type: 'AuditEvent', ref: 'entity|Patient/ledger' } }))[0].id, 'ledger-8');
    assert.equal(await reopened.count({ type: 'AuditEvent', ref: 'entity|Patient/again' }), 0);
    await reopened.close();
    const third = await openLog(dir);
    assert.equal(await third.count({ type: 'AuditEvent', deleted: false }), 5002);
    await third.close();
  });

  it('takes over the audit trail an earlier version kept in an embedded store', async () => {
    const legacy = new EmbeddedStore({ dir });
    await legacy.open();
    const trail = new AuditTrail(legacy, 'test');
    trail.append(readEvent('Patient/m1'));
    trail.append(readEvent('Patient/m2'));
    await trail.flush();
    await legacy.close();

    const store = await openLog(dir);
    assert.deepEqual(await entities(store), ['Patient/m1', 'Patient/m2']);
    assert.equal(await store.count({ type: 'AuditEvent', ref: 'entity|Patient/m2' }), 1);
    assert.deepEqual((await readdir(dir)).filter((f) => !f.startsWith('events-')), []);
    await store.close();
  });
});
