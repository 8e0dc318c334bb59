/**
 * The aggregate-query ledger, searchable by site administrators: every release and refusal of the disclosure
 * policy is an AuditEvent (subtype `release` / `refusal` of https://vitrine.dev/fhir/CodeSystem/disclosure-event)
 * with the caller, the query, what was released (suppressed cells as "suppressed", never their true value) and
 * the budget spent and left. Only administrators read it; nobody alters it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent, Bundle } from '@medplum/fhirtypes';
import { DISCLOSURE_EVENT_SYSTEM } from '../server/audit/disclosure-audit-event.ts';
import { DisclosureControl } from '../server/policy/disclosure-control.ts';
import { cohort, FIXED_KEY, inlineMeasure, measure, testPolicy } from './support/aggregate-cohort.ts';
import { createAggregateHttpSite, RESEARCHER_ID, type AggregateHttpSite } from './support/aggregate-http-site.ts';
import { FHIR_JSON } from './support/test-site.ts';

const detail = (event: AuditEvent, type: string) => event.entity?.[0].detail?.find((d) => d.type === type)?.valueString;
const queryOf = (event: AuditEvent) => Buffer.from(event.entity![0].query!, 'base64').toString('utf8');

describe('disclosure ledger in the audit trail', () => {
  let s: AggregateHttpSite;
  before(async () => {
    // 60 patients; only 3 were born before 1943 (a cell the policy must suppress).
    s = await createAggregateHttpSite(cohort(60, { diabetesEvery: 3 }));
    await s.researcher.get('/fhir/Patient?gender=female&_summary=count').expect(200);
    await s.researcher.get('/fhir/Patient?birthdate=lt1943-01-01&_summary=count').expect(200);
    await s.researcher.get('/fhir/Patient?_id=p1&_summary=count').expect(403);
    await s.researcher.post('/fhir/Measure/$evaluate-measure').type(FHIR_JSON).send(inlineMeasure(measure('Patient?gender=female', ['Patient.ageBand(10)']))).expect(200);
    await s.site.audit.flush();
  });
  after(() => s.close());

  async function search(query: string): Promise<AuditEvent[]> {
    const res = await s.admin.get(`/fhir/AuditEvent?${query}`).expect(200);
    return ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
  }

  it('an administrator finds every release of a caller, with the query, the released values and the budget', async () => {
    const releases = await search(`subtype=${encodeURIComponent(`${DISCLOSURE_EVENT_SYSTEM}|release`)}&altid=${RESEARCHER_ID}&_count=50`);
    assert.equal(releases.length, 3);
    const female = releases.find((e) => queryOf(e).includes('female') && e.entity![0].name === 'search-count')!;
    assert.ok(female, 'the count of women');
    assert.equal(female.outcome, '0');
    assert.equal(female.agent[0].who?.identifier?.value, RESEARCHER_ID);
    assert.equal(female.agent[0].who?.display, 'aggregate');
    const released = JSON.parse(detail(female, 'released')!) as Record<string, number>;
    assert.equal(released.total % 5, 0, 'the released, rounded value');
    assert.ok(Number(detail(female, 'epsilon-spent')) > 0);
    assert.ok(detail(female, 'budget-left') !== undefined && detail(female, 'budget-period') !== undefined);
    assert.ok(releases.some((e) => e.entity![0].name === 'Measure/$evaluate-measure'));
  });

  it('a suppressed count is recorded as suppressed, never with its true value', async () => {
    const releases = await search(`subtype=${encodeURIComponent(`${DISCLOSURE_EVENT_SYSTEM}|release`)}&entity-name=search-count&_count=50`);
    const small = releases.find((e) => queryOf(e).includes('birthdate'))!;
    assert.deepEqual(JSON.parse(detail(small, 'released')!), { total: 'suppressed' });
    // Three patients were born before 1943: no "3" may appear in what was recorded as released.
    assert.ok(!/"total":3\b/.test(JSON.stringify(small)));
  });

  it('a refusal is recorded with the rule that stopped it, searchable by outcome', async () => {
    const refusals = await search(`subtype=${encodeURIComponent(`${DISCLOSURE_EVENT_SYSTEM}|refusal`)}&outcome=4`);
    assert.equal(refusals.length, 1);
    assert.equal(refusals[0].outcomeDesc, 'Rule filter-not-allowed');
    assert.equal(detail(refusals[0], 'refused-rule'), 'filter-not-allowed');
    assert.match(queryOf(refusals[0]), /_id=p1/);
  });

  it('aggregate and site-internal callers cannot read it, not even as a count', async () => {
    for (const agent of [s.researcher, s.clinician]) {
      for (const url of ['/fhir/AuditEvent', '/fhir/AuditEvent?_summary=count', `/fhir/AuditEvent?altid=${RESEARCHER_ID}&_summary=count`]) {
        const res = await agent.get(url);
        assert.equal(res.status, 403, url);
        assert.match(res.body.issue[0].diagnostics, /Rule (aggregate-only|audit-admin)/);
      }
    }
  });

  it('nobody alters it: an administrator cannot create, update or delete a ledger event', async () => {
    const [event] = await search(`subtype=${encodeURIComponent(`${DISCLOSURE_EVENT_SYSTEM}|release`)}&_count=1`);
    const writer = await s.site.as({ role: 'admin', scopes: 'system/*.cruds' });
    for (const res of [
      await writer.put(`/fhir/AuditEvent/${event.id}`).type(FHIR_JSON).send({ ...event, outcome: '4' }),
      await writer.delete(`/fhir/AuditEvent/${event.id}`),
      await writer.post('/fhir/AuditEvent').type(FHIR_JSON).send({ ...event, id: undefined }),
    ]) {
      assert.equal(res.status, 403);
      assert.match(res.body.issue[0].diagnostics, /append-only/);
    }
    const again = await s.admin.get(`/fhir/AuditEvent/${event.id}`).expect(200);
    assert.equal((again.body as AuditEvent).outcome, '0');
  });
});

describe('disclosure ledger: entries a crash kept out of the audit trail', () => {
  it('are recorded when the site starts again', async () => {
    const policy = testPolicy();
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-ledger-'));
    const before = await DisclosureControl.open(policy, dir, FIXED_KEY);
    await before.recordRefusal({ clientId: 'earlier-client', role: 'aggregate' }, 'search-count', 'Patient?_id=x', 'filter-not-allowed');
    await before.close();
    const s = await createAggregateHttpSite(cohort(20), policy, dir);
    try {
      await s.site.audit.flush();
      const res = await s.admin.get('/fhir/AuditEvent?altid=earlier-client').expect(200);
      const events = ((res.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent);
      assert.equal(events.length, 1);
      assert.equal(events[0].outcomeDesc, 'Rule filter-not-allowed');
    } finally {
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
  });
});
