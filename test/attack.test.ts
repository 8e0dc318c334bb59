/**
 * The attacks of issue 7, as a curious researcher with an aggregate-only token would try them against a seeded
 * site. Each must fail or reveal nothing, and the ledger must show them.
 */
import assert from 'node:assert/strict';
import type { Bundle, MeasureReport, Parameters } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../server/fhir/outcomes.ts';
import { SUPPRESSED_EXTENSION } from '../server/policy/applied-report.ts';
import { POLICY_RULE_SYSTEM } from '../server/policy/refusals.ts';
import { cohort, createAggregateSite, DIABETES, HEART_RATE, inlineMeasure, measure, researcher, testPolicy, type AggregateSite } from './support/aggregate-cohort.ts';

async function refusal(promise: Promise<unknown>): Promise<{ status: number; rule?: string }> {
  try {
    await promise;
  } catch (err) {
    if (!(err instanceof OperationOutcomeError)) throw err;
    const rule = err.outcome.issue?.[0]?.details?.coding?.find((c) => c.system === POLICY_RULE_SYSTEM)?.code;
    return { status: err.status, rule: rule ?? /Rule ([a-z-]+)/.exec(err.message)?.[1] };
  }
  assert.fail('expected a refusal');
}

async function count(site: AggregateSite, query: string): Promise<number | undefined> {
  const res = await site.call(researcher, 'GET', `${query}&_summary=count`);
  return (res.resource as Bundle).total;
}

describe('attacks by an aggregate-only caller', () => {
  let site: AggregateSite;
  // 400 patients; one of them (p399) is the only 97-year-old woman, and only some have diabetes.
  beforeEach(async () => {
    const patients = cohort(399, { diabetesEvery: 4, heartRate: (i) => 60 + (i % 40) });
    patients.push({ gender: 'female', birthDate: '1927-02-02', diabetes: true, heartRate: 190 });
    site = await createAggregateSite(patients, testPolicy({ budget: { perPeriod: 1000, period: 'day' }, rateLimit: { perMinute: 1000, perDay: 10000 } }));
  });
  afterEach(() => site.close());

  it('plain row reads, vread, history, plain search, _include and $everything are refused with the rule named', async () => {
    for (const [method, path] of [
      ['GET', 'Patient/p1'],
      ['GET', 'Patient/p1/_history/1'],
      ['GET', 'Patient/p1/_history'],
      ['GET', 'Patient?gender=female'],
      ['GET', 'Patient?gender=female&_include=Patient:general-practitioner'],
      ['GET', 'Patient/p1/Condition?_summary=count'],
    ] as const) {
      const r = await refusal(site.call(researcher, method, path));
      assert.equal(r.status, 403, path);
      assert.ok(r.rule, `${path} names a rule`);
    }
  });

  it('filters on ids, identifiers, free text and named references are refused', async () => {
    for (const query of ['Patient?_id=p399', 'Patient?identifier=x', 'Patient?name=smith', 'Patient?_text=x', 'Condition?subject=Patient/p399', 'Patient?_has:Condition:patient:code:text=diab', 'Patient?address-state=ma']) {
      const r = await refusal(site.call(researcher, 'GET', `${query}&_summary=count`));
      assert.equal(r.status, 403, query);
      assert.equal(r.rule, 'filter-not-allowed', query);
    }
    const refused = site.disclosure.ledger.list({ caller: researcher.clientId }).filter((e) => e.refused === 'filter-not-allowed');
    assert.equal(refused.length, 7, 'every refusal is in the ledger');
  });

  it('a single-patient query and a small cohort reveal no count', async () => {
    assert.equal(await count(site, 'Patient?gender=female&birthdate=1927-02-02'), undefined);
    const small = await site.call(researcher, 'GET', 'Patient?birthdate=lt1941-01-01&_summary=count');
    assert.equal((small.resource as Bundle).total, undefined);
    assert.deepEqual((small.resource as Bundle).meta?.tag?.map((t) => t.code), ['suppressed']);
    const entry = site.disclosure.ledger.list().at(-1)!;
    assert.equal(entry.released?.total, 'suppressed', 'the ledger records a suppression, never the true value');
  });

  it('repeating a noisy query a hundred times gives one answer, and costs budget once', async () => {
    const answers = new Set<number | undefined>();
    for (let i = 0; i < 100; i++) answers.add(await count(site, 'Patient?gender=female'));
    assert.equal(answers.size, 1);
    const entries = site.disclosure.ledger.list({ caller: researcher.clientId });
    assert.equal(entries.length, 100, 'every repeat is recorded');
    assert.equal(entries.filter((e) => e.cost > 0).length, 1);
  });

  it('rephrasing a query gives answers that are multiples of the rounding and each costs budget', async () => {
    const a = await count(site, 'Patient?birthdate=ge1950');
    const b = await count(site, 'Patient?birthdate=ge1950-01-01');
    for (const v of [a, b]) assert.equal(v! % 5, 0);
    assert.equal(site.disclosure.ledger.list({ caller: researcher.clientId }).filter((e) => e.cost > 0).length, 2);
  });

  it('differencing pairs of queries does not reveal whether a patient has a condition', async () => {
    // For 40 birth years: all women of that year vs. those without diabetes. The guess "the difference is
    // the number with diabetes" must not work: released values are rounded and noisy.
    let exactHits = 0;
    for (let year = 1940; year < 1980; year++) {
      const all = await count(site, `Patient?birthdate=ge${year - 5}-01-01&birthdate=le${year + 5}-12-31`);
      const withDiabetes = await count(site, `Patient?birthdate=ge${year - 5}-01-01&birthdate=le${year + 5}-12-31&_has:Condition:patient:code=${DIABETES}`);
      const exactAll = (await site.call(undefined, 'GET', `Patient?birthdate=ge${year - 5}-01-01&birthdate=le${year + 5}-12-31&_summary=count`)).resource as Bundle;
      if (all !== undefined && all === exactAll.total) exactHits++;
      if (withDiabetes !== undefined) assert.equal(withDiabetes % 5, 0);
    }
    assert.ok(exactHits < 20, `the released count equalled the true count in ${exactHits} of 40 queries`);
  });

  it('strata that isolate one patient are suppressed, and the suppressed cell cannot be recovered from the total', async () => {
    const m = measure('Patient?gender=female', ['Patient.ageBand(10)']);
    const res = await site.call(researcher, 'POST', 'Measure/$evaluate-measure', inlineMeasure(m, '2024-12-31'));
    const report = res.resource as MeasureReport;
    const strata = report.group![0].stratifier![0].stratum!;
    const ninety = strata.find((s) => s.value?.text === '90-99')!;
    assert.equal(ninety.population![0].count, undefined);
    assert.equal(ninety.population![0].extension?.[0].url, SUPPRESSED_EXTENSION);
    const hidden = strata.filter((s) => s.population![0].count === undefined);
    assert.ok(hidden.length >= 2, 'never exactly one hidden stratum beside a shown total');
    assert.ok(!JSON.stringify(report).includes('"count":1,'), 'no count of 1 anywhere');
  });

  it('cross-tabs with their margins in one report keep at least two hidden cells in every row and column', async () => {
    const m = measure('Patient?birthdate=ge1930-01-01', ['Patient.gender', ['Patient.gender', 'Patient.ageBand(10)']]);
    const report = (await site.call(researcher, 'POST', 'Measure/$evaluate-measure', inlineMeasure(m))).resource as MeasureReport;
    const [margin, table] = report.group![0].stratifier!;
    for (const gender of ['female', 'male']) {
      const marginShown = margin.stratum!.find((s) => s.value?.text === gender)!.population![0].count !== undefined;
      const row = table.stratum!.filter((s) => s.component![0].value?.text === gender);
      const hidden = row.filter((s) => s.population![0].count === undefined).length;
      if (marginShown) assert.notEqual(hidden, 1, `row ${gender}`);
    }
  });

  it('statistics on a tiny group are withheld; min and max never show the outlier exactly', async () => {
    const tiny = await site.call(researcher, 'GET', `Observation/$stats?code=${HEART_RATE}&cohort=${encodeURIComponent('Patient?birthdate=lt1930-01-01')}&statistic=average,maximum`);
    const comps = ((tiny.resource as Parameters).parameter![0].resource as { component: { valueQuantity?: unknown }[] }).component;
    assert.ok(comps.every((c) => c.valueQuantity === undefined));
    const all = await site.call(researcher, 'GET', `Observation/$stats?code=${HEART_RATE}&statistic=maximum`);
    const max = ((all.resource as Parameters).parameter![0].resource as { component: { valueQuantity?: { value: number } }[] }).component[0].valueQuantity?.value;
    assert.notEqual(max, 190, 'the maximum is not one patient’s exact value');
  });

  it('the budget runs out, the refusal names its rule, and the spent budget survives a restart', async () => {
    await site.close();
    site = await createAggregateSite(cohort(100), testPolicy({ budget: { perPeriod: 2, period: 'day' } }));
    for (let year = 1940; year < 1944; year++) await count(site, `Patient?birthdate=ge${year}`);
    const r = await refusal(site.call(researcher, 'GET', 'Patient?birthdate=ge1950&_summary=count'));
    assert.deepEqual(r, { status: 403, rule: 'budget-exhausted' });
    await site.reopenDisclosure();
    const again = await refusal(site.call(researcher, 'GET', 'Patient?birthdate=ge1951&_summary=count'));
    assert.equal(again.rule, 'budget-exhausted');
  });

  it('rate limits stop a flood of queries with 429', async () => {
    await site.close();
    site = await createAggregateSite(cohort(50), testPolicy({ rateLimit: { perMinute: 5, perDay: 100 } }));
    for (let i = 0; i < 5; i++) await count(site, 'Patient?gender=female');
    const r = await refusal(site.call(researcher, 'GET', 'Patient?gender=female&_summary=count'));
    assert.deepEqual(r, { status: 429, rule: 'rate-limit' });
  });

  it('FHIRPath criteria and stratifiers outside the allow-list are refused', async () => {
    const byId = measure('Patient?gender=female', ["Patient.id"]);
    assert.equal((await refusal(site.call(researcher, 'POST', 'Measure/$evaluate-measure', inlineMeasure(byId)))).rule, 'stratifier-not-allowed');
    const m = measure('Patient?gender=female') as { group: { population: { criteria: { language: string; expression: string } }[] }[] };
    m.group[0].population[0].criteria = { language: 'text/fhirpath', expression: "Patient.id = 'p399'" };
    assert.equal((await refusal(site.call(researcher, 'POST', 'Measure/$evaluate-measure', inlineMeasure(m)))).rule, 'expression-not-allowed');
  });

  it('the ledger is hash-chained', async () => {
    await count(site, 'Patient?gender=female');
    await count(site, 'Patient?gender=male');
    assert.equal(site.disclosure.ledger.verifyChain(), true);
  });
});
