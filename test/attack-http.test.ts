/**
 * The attacks of issue 7 over HTTP, with a real aggregate-only token (`site.as({ role: 'aggregate', scopes:
 * 'system/*.s' })`), the way a curious researcher's client would send them: every one must fail or reveal nothing,
 * and the ledger (searchable by the site's administrator as AuditEvents) must show it.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { AuditEvent, Bundle, MeasureReport, OperationOutcome, Parameters } from '@medplum/fhirtypes';
import type { Response } from 'supertest';
import { DISCLOSURE_EVENT_SYSTEM } from '../server/audit/disclosure-audit-event.ts';
import { SUPPRESSED_EXTENSION } from '../server/policy/applied-report.ts';
import { POLICY_RULE_SYSTEM } from '../server/policy/refusals.ts';
import { cohort, DIABETES, HEART_RATE, inlineMeasure, measure, testPolicy, type CohortPatient } from './support/aggregate-cohort.ts';
import { createAggregateHttpSite, RESEARCHER_ID, type AggregateHttpSite } from './support/aggregate-http-site.ts';
import { FHIR_JSON, type TestAgent } from './support/test-site.ts';

/** 400 patients; p399 is the only 97-year-old woman (born 1927) and has diabetes and a heart rate of 190. */
function attackCohort(): CohortPatient[] {
  const patients = cohort(399, { diabetesEvery: 4, heartRate: (i) => 60 + (i % 40) });
  patients.push({ gender: 'female', birthDate: '1927-02-02', diabetes: true, heartRate: 190 });
  return patients;
}

const GENEROUS = { budget: { perPeriod: 1000, period: 'day' as const }, rateLimit: { perMinute: 1000, perDay: 10000 } };

/** The rule a refusal names (details.coding of the policy's rule system, or "Rule x:" of the authorization layer). */
function ruleOf(res: Response): string | undefined {
  const issue = (res.body as OperationOutcome).issue?.[0];
  return issue?.details?.coding?.find((c) => c.system === POLICY_RULE_SYSTEM)?.code ?? /Rule ([a-z-]+)/.exec(issue?.diagnostics ?? '')?.[1];
}

async function countOf(agent: TestAgent, query: string): Promise<Bundle> {
  const res = await agent.get(`/fhir/${query}&_summary=count`).expect(200);
  return res.body as Bundle;
}

describe('attacks over HTTP with an aggregate-only token', () => {
  let s: AggregateHttpSite;
  before(async () => (s = await createAggregateHttpSite(attackCohort(), testPolicy(GENEROUS))));
  after(() => s.close());

  it('row-level requests are refused with the rule named, and return no patient data', async () => {
    const batch = { resourceType: 'Bundle', type: 'batch', entry: [{ request: { method: 'GET', url: 'Patient/p399' } }] };
    const attempts: [string, () => Promise<Response>][] = [
      ['read', () => s.researcher.get('/fhir/Patient/p399')],
      ['vread', () => s.researcher.get('/fhir/Patient/p399/_history/1')],
      ['instance history', () => s.researcher.get('/fhir/Patient/p399/_history')],
      ['type history', () => s.researcher.get('/fhir/Patient/_history')],
      ['system history', () => s.researcher.get('/fhir/_history')],
      ['plain search', () => s.researcher.get('/fhir/Patient?gender=female')],
      ['_summary=true', () => s.researcher.get('/fhir/Patient?gender=female&_summary=true')],
      ['_count=0 without _summary', () => s.researcher.get('/fhir/Patient?gender=female&_count=0')],
      ['POST _search without _summary', () => s.researcher.post('/fhir/Patient/_search').type('form').send('gender=female')],
      ['_include', () => s.researcher.get('/fhir/Condition?_include=Condition:subject&_summary=count')],
      ['_elements', () => s.researcher.get('/fhir/Patient?_elements=birthDate&_summary=count')],
      ['compartment count', () => s.researcher.get('/fhir/Patient/p399/Condition?_summary=count')],
      ['system search count', () => s.researcher.get('/fhir?_type=Patient&_summary=count')],
      ['batch with a read', () => s.researcher.post('/fhir').type(FHIR_JSON).send(batch)],
      ['write', () => s.researcher.put('/fhir/Patient/p399').type(FHIR_JSON).send({ resourceType: 'Patient', id: 'p399', gender: 'male' })],
      ['report on one subject', () => s.researcher.post('/fhir/Measure/$evaluate-measure?subject=Patient/p399').type(FHIR_JSON).send(inlineMeasure(measure('Patient?gender=female')))],
      ['subject-list report', () => s.researcher.post('/fhir/Measure/$evaluate-measure?reportType=subject-list').type(FHIR_JSON).send(inlineMeasure(measure('Patient?gender=female')))],
    ];
    for (const [name, attempt] of attempts) {
      const res = await attempt();
      assert.equal(res.status, 403, `${name}: ${res.status} ${JSON.stringify(res.body).slice(0, 200)}`);
      assert.equal((res.body as OperationOutcome).resourceType, 'OperationOutcome', name);
      assert.ok(ruleOf(res), `${name} names its rule`);
      assert.ok(!res.text.includes('1927'), `${name} reveals no birth date`);
    }
    // The site serves no $everything or $export at all; a federation caller gets the rule, not a map of what exists.
    for (const url of ['/fhir/Patient/p399/$everything', '/fhir/$export', '/fhir/Patient/$export', '/fhir/no/such/path']) {
      const res = await s.researcher.get(url);
      assert.equal(res.status, 403, `${url}: ${res.status}`);
      assert.equal((res.body as OperationOutcome).resourceType, 'OperationOutcome', url);
      assert.ok(ruleOf(res), `${url} names its rule`);
    }
  });

  it('a token with row-level scopes but the aggregate role is still aggregate-only', async () => {
    const broad = await s.site.as({ role: 'aggregate', scopes: 'system/*.cruds' });
    for (const res of [await broad.get('/fhir/Patient/p399'), await broad.get('/fhir/Patient?gender=female'), await broad.delete('/fhir/Patient/p1')]) {
      assert.equal(res.status, 403);
      assert.equal(ruleOf(res), 'aggregate-only');
    }
    await s.clinician.get('/fhir/Patient/p1').expect(200);
  });

  it('filters on ids, identifiers, names, free text and named references are refused, inside _has too', async () => {
    for (const query of [
      'Patient?_id=p399', 'Patient?identifier=x', 'Patient?name=smith', 'Patient?family=smith', 'Patient?_text=x', 'Patient?_content=x',
      'Condition?subject=Patient/p399', 'Condition?patient=p399', 'Patient?_has:Condition:patient:_id=c1',
      'Patient?_has:Condition:patient:code:text=diab', 'Patient?_tag=x', 'Observation?code:below=http://loinc.org|8867',
    ]) {
      const res = await s.researcher.get(`/fhir/${query}&_summary=count`);
      assert.equal(res.status, 403, query);
      assert.equal(ruleOf(res), 'filter-not-allowed', query);
    }
  });

  it('a single-patient query and a small cohort reveal no count', async () => {
    for (const query of ['Patient?gender=female&birthdate=1927-02-02', 'Patient?birthdate=lt1941-01-01', `Patient?birthdate=lt1930&_has:Condition:patient:code=${DIABETES}`]) {
      const bundle = await countOf(s.researcher, query);
      assert.equal(bundle.total, undefined, query);
      assert.deepEqual(bundle.meta?.tag?.map((t) => t.code), ['suppressed'], query);
      const issues = (bundle.entry![0].resource as OperationOutcome).issue!;
      assert.ok(issues.some((i) => i.code === 'suppressed'), 'the outcome says it was suppressed');
    }
  });

  it('repeating a query a hundred times, or reordering its parameters, gives one answer and costs budget once', async () => {
    const answers = new Set<number | undefined>();
    for (let i = 0; i < 100; i++) answers.add((await countOf(s.researcher, 'Patient?gender=male&birthdate=ge1950')).total);
    answers.add((await countOf(s.researcher, 'Patient?birthdate=ge1950&gender=male')).total);
    const posted = await s.researcher.post('/fhir/Patient/_search').type('form').send('birthdate=ge1950&_summary=count&gender=male').expect(200);
    answers.add((posted.body as Bundle).total);
    assert.equal(answers.size, 1, `answers: ${[...answers].join(', ')}`);
    const spending = s.disclosure.ledger.list({ caller: RESEARCHER_ID }).filter((e) => e.query.includes('1950') && e.query.includes('male'));
    assert.equal(spending.length, 102, 'every repeat is in the ledger');
    assert.equal(spending.filter((e) => e.cost > 0).length, 1);
  });

  it('differencing pairs of queries does not give away who has a condition', async () => {
    let exactHits = 0;
    for (let year = 1945; year < 1975; year++) {
      const range = `birthdate=ge${year - 5}-01-01&birthdate=le${year + 5}-12-31`;
      const all = (await countOf(s.researcher, `Patient?${range}`)).total;
      const withDiabetes = (await countOf(s.researcher, `Patient?${range}&_has:Condition:patient:code=${DIABETES}`)).total;
      const exact = (await countOf(s.site.http, `Patient?${range}`)).total;
      if (all === exact) exactHits++;
      for (const v of [all, withDiabetes]) if (v !== undefined) assert.equal(v % 5, 0);
    }
    assert.ok(exactHits < 15, `the released count equalled the true count in ${exactHits} of 30 queries`);
  });

  it('strata that isolate one patient are suppressed, and cannot be recovered from the total', async () => {
    const res = await s.researcher.post('/fhir/Measure/$evaluate-measure').type(FHIR_JSON).send(inlineMeasure(measure('Patient?gender=female', ['Patient.ageBand(10)']))).expect(200);
    const report = res.body as MeasureReport;
    const strata = report.group![0].stratifier![0].stratum!;
    const ninety = strata.find((s) => s.value?.text === '90-99')!;
    assert.equal(ninety.population![0].count, undefined);
    assert.equal(ninety.population![0].extension?.[0].url, SUPPRESSED_EXTENSION);
    if (report.group![0].population![0].count !== undefined) {
      assert.ok(strata.filter((s) => s.population![0].count === undefined).length >= 2, 'never one hidden stratum beside a shown total');
    }
    assert.ok(!/"count":[1-9],/.test(res.text), 'no count below k anywhere');
  });

  it('a cross-tab and its margins in one report never leave exactly one hidden cell in a row', async () => {
    const m = measure('Patient?birthdate=ge1920-01-01', ['Patient.gender', ['Patient.gender', 'Patient.ageBand(10)']]);
    const report = (await s.researcher.post('/fhir/Measure/$evaluate-measure').type(FHIR_JSON).send(inlineMeasure(m)).expect(200)).body as MeasureReport;
    const [margin, table] = report.group![0].stratifier!;
    for (const gender of ['female', 'male']) {
      if (margin.stratum!.find((x) => x.value?.text === gender)!.population![0].count === undefined) continue;
      const row = table.stratum!.filter((x) => x.component![0].value?.text === gender);
      assert.notEqual(row.filter((x) => x.population![0].count === undefined).length, 1, `row ${gender}`);
    }
  });

  it('FHIRPath criteria and stratifiers outside the allow-list are refused', async () => {
    const byId = await s.researcher.post('/fhir/Measure/$evaluate-measure').type(FHIR_JSON).send(inlineMeasure(measure('Patient?gender=female', ['Patient.id'])));
    assert.equal(byId.status, 403);
    assert.equal(ruleOf(byId), 'stratifier-not-allowed');
    const m = measure('Patient?gender=female') as { group: { population: { criteria: { language: string; expression: string } }[] }[] };
    m.group[0].population[0].criteria = { language: 'text/fhirpath', expression: "Patient.id = 'p399'" };
    const single = await s.researcher.post('/fhir/Measure/$evaluate-measure').type(FHIR_JSON).send(inlineMeasure(m));
    assert.equal(single.status, 403);
    assert.equal(ruleOf(single), 'expression-not-allowed');
  });

  it('statistics on a tiny group are withheld; the maximum is never the outlier exactly', async () => {
    const cohortQuery = encodeURIComponent('Patient?birthdate=lt1930-01-01');
    const tiny = await s.researcher.get(`/fhir/Observation/$stats?code=${HEART_RATE}&cohort=${cohortQuery}&statistic=average,maximum`).expect(200);
    const comps = ((tiny.body as Parameters).parameter![0].resource as { component: { valueQuantity?: unknown }[] }).component;
    assert.ok(comps.every((c) => c.valueQuantity === undefined));
    const all = await s.researcher.get(`/fhir/Observation/$stats?code=${HEART_RATE}&statistic=maximum`).expect(200);
    const max = ((all.body as Parameters).parameter![0].resource as { component: { valueQuantity?: { value: number } }[] }).component[0].valueQuantity?.value;
    assert.notEqual(max, 190);
  });

  it('the administrator sees the attacks: refusals with their rules, and row-level attempts in the access log', async () => {
    await s.site.audit.flush();
    const refusals = await s.admin.get(`/fhir/AuditEvent?altid=${RESEARCHER_ID}&subtype=${encodeURIComponent(`${DISCLOSURE_EVENT_SYSTEM}|refusal`)}&_count=200`).expect(200);
    const rules = new Set(((refusals.body as Bundle).entry ?? []).map((e) => (e.resource as AuditEvent).outcomeDesc));
    for (const rule of ['filter-not-allowed', 'stratifier-not-allowed', 'expression-not-allowed']) assert.ok(rules.has(`Rule ${rule}`), rule);
    const denied = await s.admin.get('/fhir/AuditEvent?outcome=4&subtype=read&_count=200').expect(200);
    const reads = ((denied.body as Bundle).entry ?? []).map((e) => e.resource as AuditEvent).filter((e) => e.agent[0].who?.identifier?.value === RESEARCHER_ID);
    assert.ok(reads.some((e) => /aggregate-only/.test(e.outcomeDesc ?? '')), 'the refused read of Patient/p399');
  });
});

describe('attacks over HTTP: budget and rate limits', () => {
  it('the budget runs out with a 403 naming its rule, and stays spent after the site restarts', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-ledger-'));
    const policy = testPolicy({ budget: { perPeriod: 2, period: 'day' } });
    let s = await createAggregateHttpSite(cohort(100), policy, dir);
    try {
      for (let year = 1940; year < 1944; year++) await s.researcher.get(`/fhir/Patient?birthdate=ge${year}&_summary=count`);
      const refused = await s.researcher.get('/fhir/Patient?birthdate=ge1950&_summary=count').expect(403);
      assert.equal(ruleOf(refused), 'budget-exhausted');
      await s.close();
      s = await createAggregateHttpSite(cohort(100), policy, dir);
      const again = await s.researcher.get('/fhir/Patient?birthdate=ge1951&_summary=count').expect(403);
      assert.equal(ruleOf(again), 'budget-exhausted');
      await s.site.audit.flush();
      const events = await s.admin.get(`/fhir/AuditEvent?altid=${RESEARCHER_ID}&outcome=4&_count=50`).expect(200);
      const exhausted = ((events.body as Bundle).entry ?? []).filter((e) => (e.resource as AuditEvent).outcomeDesc === 'Rule budget-exhausted');
      assert.equal(exhausted.length, 2, 'both refusals, the one before the restart caught up from the ledger');
    } finally {
      await s.close();
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('a flood of queries is stopped with 429', async () => {
    const s = await createAggregateHttpSite(cohort(50), testPolicy({ rateLimit: { perMinute: 5, perDay: 100 } }));
    try {
      for (let i = 0; i < 5; i++) await s.researcher.get('/fhir/Patient?gender=female&_summary=count').expect(200);
      const res = await s.researcher.get('/fhir/Patient?gender=female&_summary=count').expect(429);
      assert.equal(ruleOf(res), 'rate-limit');
    } finally {
      await s.close();
    }
  });
});
