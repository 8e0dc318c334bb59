/** Aggregate operations: results match independent counts over the same stored data wherever no rule applied. */
import assert from 'node:assert/strict';
import type { Bundle, MeasureReport, Observation, Parameters } from '@medplum/fhirtypes';
import { defaultPipeline } from '../server/fhir/default-pipeline.ts';
import type { OperationOutcomeError } from '../server/fhir/outcomes.ts';
import { WriteSession } from '../server/fhir/write-session.ts';
import { clinician, cohort, createAggregateSite, DIABETES, HEART_RATE, inlineMeasure, measure, researcher, testPolicy, type AggregateSite } from './support/aggregate-cohort.ts';

const popCount = (pops: { code?: { coding?: { code?: string }[] }; count?: number }[] | undefined, code: string) =>
  pops?.find((p) => p.code?.coding?.[0].code === code)?.count;

async function internalCount(site: AggregateSite, query: string): Promise<number> {
  return ((await site.call(clinician, 'GET', `${query}&_summary=count`)).resource as Bundle).total!;
}

async function status(promise: Promise<unknown>): Promise<number> {
  try {
    await promise;
    return 200;
  } catch (err) {
    return (err as OperationOutcomeError).status;
  }
}

describe('aggregate operations', () => {
  let site: AggregateSite;
  before(async () => {
    site = await createAggregateSite(cohort(600, { diabetesEvery: 3, heartRate: (i) => (i % 5 === 0 ? undefined : 50 + (i % 50)) }),
      testPolicy({ noise: { mechanism: 'none' }, rounding: 1, budget: { perPeriod: 10000, period: 'day' }, rateLimit: { perMinute: 1000, perDay: 10000 } }));
  });
  after(() => site.close());

  const cohortMeasure = measure('Patient?gender=female', ['Patient.gender', 'Patient.ageBand(20)', ['Patient.gender', 'Patient.ageBand(20)']], `Patient?_has:Condition:patient:code=${DIABETES}`);

  it('a site-internal MeasureReport matches independent counts', async () => {
    const report = (await site.call(clinician, 'POST', 'Measure/$evaluate-measure', inlineMeasure(cohortMeasure))).resource as MeasureReport;
    const group = report.group![0];
    assert.equal(popCount(group.population, 'initial-population'), await internalCount(site, 'Patient?gender=female'));
    assert.equal(popCount(group.population, 'numerator'), await internalCount(site, `Patient?gender=female&_has:Condition:patient:code=${DIABETES}`));
    const bands = group.stratifier![1].stratum!;
    const sum = bands.reduce((s, st) => s + (popCount(st.population, 'initial-population') ?? 0), 0);
    assert.equal(sum, popCount(group.population, 'initial-population'));
    const band = bands.find((s) => s.value?.text === '60-79')!;
    assert.equal(popCount(band.population, 'initial-population'), await internalCount(site, 'Patient?gender=female&birthdate=gt1944-12-31&birthdate=le1964-12-31'));
  });

  it('an aggregate caller gets the same numbers where no rule applied (no noise, no rounding, cells ≥ k)', async () => {
    const exact = (await site.call(clinician, 'POST', 'Measure/$evaluate-measure', inlineMeasure(cohortMeasure))).resource as MeasureReport;
    const released = (await site.call(researcher, 'POST', 'Measure/$evaluate-measure', inlineMeasure(cohortMeasure))).resource as MeasureReport;
    assert.deepEqual(released.group![0].population, exact.group![0].population);
    const exactBands = new Map(exact.group![0].stratifier![1].stratum!.map((s) => [s.value!.text, popCount(s.population, 'initial-population')]));
    let compared = 0;
    for (const s of released.group![0].stratifier![1].stratum!) {
      const v = popCount(s.population, 'initial-population');
      if (v !== undefined) {
        assert.equal(v, exactBands.get(s.value!.text));
        compared++;
      }
    }
    assert.ok(compared >= 2);
    const applied = released.extension![0].extension!;
    assert.equal(applied.find((e) => e.url === 'mode')?.valueCode, 'disclosure-control');
  });

  it('evaluates a stored Measure by id and by canonical url', async () => {
    const session = new WriteSession(site.store, defaultPipeline);
    await session.create(cohortMeasure as never, 'diabetes-women');
    await session.commit();
    const byId = (await site.call(clinician, 'GET', 'Measure/diabetes-women/$evaluate-measure?periodEnd=2024-12-31')).resource as MeasureReport;
    const byUrl = (await site.call(clinician, 'GET', `Measure/$evaluate-measure?measure=${encodeURIComponent('https://vitrine.test/Measure/test')}&periodEnd=2024-12-31`)).resource as MeasureReport;
    assert.equal(popCount(byId.group![0].population, 'initial-population'), 300);
    assert.deepEqual(byUrl.group, byId.group);
    assert.equal(await status(site.call(clinician, 'GET', 'Measure/nope/$evaluate-measure')), 404);
  });

  it('refuses malformed Measures with 400', async () => {
    assert.equal(await status(site.call(clinician, 'POST', 'Measure/$evaluate-measure', inlineMeasure({ resourceType: 'Measure', status: 'active' }))), 400);
    const bad = measure('Patient?gender=female') as { group: { population: { criteria: { language: string } }[] }[] };
    bad.group[0].population[0].criteria.language = 'text/cql';
    assert.equal(await status(site.call(clinician, 'POST', 'Measure/$evaluate-measure', inlineMeasure(bad))), 400);
    assert.equal(await status(site.call(clinician, 'POST', 'Measure/$evaluate-measure', { resourceType: 'Patient' })), 400);
  });

  it('$stats gives exact statistics to site-internal callers', async () => {
    const res = (await site.call(clinician, 'GET', `Observation/$stats?code=${HEART_RATE}&statistic=count,average,minimum,maximum,median`)).resource as Parameters;
    const obs = res.parameter![0].resource as Observation;
    const value = (code: string) => obs.component!.find((c) => c.code.coding![0].code === code)!.valueQuantity!.value;
    const values = Array.from({ length: 600 }, (_, i) => (i % 5 === 0 ? undefined : 50 + (i % 50))).filter((v): v is number => v !== undefined);
    assert.equal(value('count'), values.length);
    assert.equal(value('minimum'), 51);
    assert.equal(value('maximum'), 99);
    assert.ok(Math.abs(value('average')! - values.reduce((s, v) => s + v, 0) / values.length) < 1e-9);
    assert.equal(await status(site.call(clinician, 'GET', `Observation/$stats?code=${HEART_RATE}&statistic=mode`)), 400);
    assert.equal(await status(site.call(clinician, 'GET', 'Observation/$stats')), 400);
  });

  it('$stats for an aggregate caller releases bounded, noisy sufficient statistics for merging', async () => {
    const res = (await site.call(researcher, 'GET', `Observation/$stats?code=${HEART_RATE}&statistic=count,average,std-dev`)).resource as Parameters;
    const obs = res.parameter![0].resource as Observation;
    const codes = obs.component!.map((c) => c.code.coding![0].code);
    assert.deepEqual(codes, ['count', 'average', 'std-dev', 'sum', 'sum-of-squares']);
    assert.equal(obs.component![0].valueQuantity!.value, 480);
    const outcome = res.parameter![1].resource as { issue: { diagnostics: string }[] };
    assert.ok(outcome.issue.some((i) => i.diagnostics.includes('values clamped to [20, 250]')));
  });

  it('$histogram with fixed edges: bins add up to the total, under- and overflow included', async () => {
    const res = (await site.call(clinician, 'GET', `Observation/$histogram?code=${HEART_RATE}&edges=60,70,80,90`)).resource as Parameters;
    const total = res.parameter!.find((p) => p.name === 'total')!.valueInteger!;
    const bins = res.parameter!.filter((p) => p.name === 'bin');
    assert.equal(bins.length, 5);
    const sum = bins.reduce((s, b) => s + b.part!.find((p) => p.name === 'count')!.valueInteger!, 0);
    assert.equal(sum, total);
    assert.equal(bins[0].part!.find((p) => p.name === 'count')!.valueInteger, 96); // values 51..59
    assert.equal(await status(site.call(clinician, 'GET', `Observation/$histogram?code=${HEART_RATE}&edges=70,60`)), 400);
  });

  it('$histogram for an aggregate caller uses the policy bounds and never more bins than allowed', async () => {
    const res = (await site.call(researcher, 'GET', `Observation/$histogram?code=${HEART_RATE}`)).resource as Parameters;
    const bins = res.parameter!.filter((p) => p.name === 'bin');
    assert.equal(bins[1].part![0].valueDecimal, 20);
    assert.equal(bins.at(-1)!.part![0].valueDecimal, 250);
    const many = Array.from({ length: 60 }, (_, i) => 40 + i).join(',');
    assert.equal(await status(site.call(researcher, 'GET', `Observation/$histogram?code=${HEART_RATE}&edges=${many}`)), 403);
    assert.equal(await status(site.call(researcher, 'GET', 'Observation/$histogram?code=http://loinc.org|0000-0')), 403);
  });

  it('a site-internal caller without row-level read scopes gets numbers through the policy', async () => {
    const narrow = { clientId: 'dashboard', role: 'internal' as const, scopes: ['user/Measure.rs'] };
    const report = (await site.call(narrow, 'POST', 'Measure/$evaluate-measure', inlineMeasure(cohortMeasure))).resource as MeasureReport;
    assert.equal(report.extension![0].extension!.find((e) => e.url === 'mode')?.valueCode, 'disclosure-control');
  });
});
