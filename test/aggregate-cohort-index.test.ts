/**
 * Cohorts and strata read from the index give the numbers FHIRPath on the resources gives: `Patient.gender` and
 * `Patient.ageBand(n)` come from the stored sort keys, other expressions (and stores without Store.matchKeys) from
 * the Patient bodies. And a `_has` cohort the search layer could follow only in part is refused, never counted low.
 */
import assert from 'node:assert/strict';
import type { MeasureReport, Patient } from '@medplum/fhirtypes';
import type { Caller, FhirContext } from '../server/fhir/context.ts';
import type { OperationOutcomeError } from '../server/fhir/outcomes.ts';
import { dispatch } from '../server/fhir/routes.ts';
import { MAX_CHAIN_MATCHES } from '../server/search/resolve-chains.ts';
import { emptyIndexEntries, type Filter, type HistoryQuery, type Store, type StoreQuery, type StoreWrite } from '../server/store/types.ts';
import { clinician, cohort, createAggregateSite, DIABETES, inlineMeasure, measure, researcher, testPolicy, type AggregateSite } from './support/aggregate-cohort.ts';

/** The store as one without the optional index methods (MongoDB today): every path falls back to bodies. */
class BodiesOnlyStore implements Store {
  constructor(private readonly inner: Store) {}
  open = () => Promise.resolve();
  close = () => Promise.resolve();
  read = (type: string, id: string) => this.inner.read(type, id);
  readVersion = (type: string, id: string, vid: number) => this.inner.readVersion(type, id, vid);
  history = (query: HistoryQuery) => this.inner.history(query);
  find = (query: StoreQuery) => this.inner.find(query);
  count = (filter: Filter) => this.inner.count(filter);
  commit = (writes: StoreWrite[]) => this.inner.commit(writes);
}

function call(ctx: FhirContext, method: 'GET' | 'POST', pathAndQuery: string, body?: unknown) {
  const [p, q = ''] = pathAndQuery.split('?');
  return dispatch({ method, path: p, params: [...new URLSearchParams(q)], body, headers: {} }, ctx);
}

type Strata = [string, number | undefined][][];
const strataOf = (report: MeasureReport): Strata =>
  report.group![0].stratifier!.map((s) => s.stratum!.map((x) => [x.value?.text ?? x.component!.map((c) => c.value?.text).join('/'), x.population![0].count]));

describe('aggregate cohorts and strata from the index', () => {
  let site: AggregateSite;
  before(async () => {
    const patients = cohort(200);
    // Edge cases of age: partial dates, birthdays on and next to the reference date, no birth date, a future one.
    patients.push(
      { gender: 'female', birthDate: '1950' }, { gender: 'male', birthDate: '1950-06' }, { gender: 'female', birthDate: '1964-12-31' },
      { gender: 'female', birthDate: '1965-01-01' }, { gender: 'male', birthDate: '2025-03-01' }, { gender: undefined, birthDate: '1980-05-05' },
    );
    site = await createAggregateSite(patients);
    await site.store.commit([{ type: 'Patient', id: 'no-birth', vid: 1, expectedVid: 0, lastUpdated: new Date(), deleted: false, json: JSON.stringify({ resourceType: 'Patient', id: 'no-birth', gender: 'other' } satisfies Patient), index: { ...emptyIndexEntries(), tok: ['gender||other', 'gender|*|other'], srt: { gender: 'other' }, srtHi: { gender: 'other' } } }]);
  });
  after(() => site.close());

  it('Patient.gender and Patient.ageBand(n) from the index equal the same expressions run as FHIRPath', async () => {
    const indexed = measure('Patient?_lastUpdated=gt2000-01-01', ['Patient.gender', 'Patient.ageBand(10)', ['Patient.gender', 'Patient.ageBand(5)']]);
    const fhirpath = measure('Patient?_lastUpdated=gt2000-01-01', ['Patient.gender.first()', 'Patient.ageBand(10).first()', ['Patient.gender.first()', 'Patient.ageBand(5).first()']]);
    const a = strataOf((await site.call(clinician, 'POST', 'Measure/$evaluate-measure', inlineMeasure(indexed))).resource as MeasureReport);
    const b = strataOf((await site.call(clinician, 'POST', 'Measure/$evaluate-measure', inlineMeasure(fhirpath))).resource as MeasureReport);
    assert.deepEqual(a, b);
    const bands = new Map(a[1]);
    assert.equal(bands.get('(none)'), 2, 'no birth date, and one in the future');
    assert.ok(a[0].some(([text]) => text === '(none)'), 'a Patient without gender');
  });

  it('a store without the index methods gives the same report', async () => {
    const m = measure('Patient?gender=female', ['Patient.ageBand(10)', ['Patient.gender', 'Patient.ageBand(20)']], `Patient?_has:Condition:patient:code=${DIABETES}`);
    const withIndex = (await site.call(clinician, 'POST', 'Measure/$evaluate-measure', inlineMeasure(m))).resource as MeasureReport;
    const ctx = { ...site.context(clinician), store: new BodiesOnlyStore(site.store) };
    const withBodies = (await call(ctx, 'POST', 'Measure/$evaluate-measure', inlineMeasure(m))).resource as MeasureReport;
    assert.deepEqual(withBodies.group, withIndex.group);
  });
});

describe('a _has cohort larger than the search layer follows', () => {
  let site: AggregateSite;
  // More inner matches than the cap: MAX_CHAIN_MATCHES + 50 diabetes Conditions over 300 patients.
  before(async () => {
    site = await createAggregateSite(cohort(300), testPolicy({ budget: { perPeriod: 1000, period: 'day' } }));
    const writes: StoreWrite[] = [];
    for (let n = 0; n < MAX_CHAIN_MATCHES + 50; n++) {
      const patient = `Patient/p${n % 300}`;
      const index = { ...emptyIndexEntries(), compartments: [patient], tok: [`code|${DIABETES}`, `code|*|${DIABETES.split('|')[1]}`], ref: [`subject|${patient}`, `patient|${patient}`] };
      const json = JSON.stringify({ resourceType: 'Condition', id: `big${n}`, subject: { reference: patient }, code: { coding: [{ system: DIABETES.split('|')[0], code: DIABETES.split('|')[1] }] } });
      writes.push({ type: 'Condition', id: `big${n}`, vid: 1, expectedVid: 0, lastUpdated: new Date(), deleted: false, json, index });
    }
    await site.store.commit(writes);
  });
  after(() => site.close());

  const query = `Patient?_has:Condition:patient:code=${DIABETES}`;

  it('is counted completely where the store follows references from the index', async () => {
    const m = measure(query);
    for (const caller of [clinician, researcher]) {
      const report = (await site.call(caller, 'POST', 'Measure/$evaluate-measure', inlineMeasure(m))).resource as MeasureReport;
      const count = report.group![0].population![0].count;
      if (caller === clinician) assert.equal(count, 300);
      else assert.ok(count !== undefined && Math.abs(count - 300) < 60, `released ${count}`);
    }
  });

  it('is refused with 422 too-costly, for aggregate and internal callers, where the store cannot follow it all', async () => {
    const attempts: [Caller, 'GET' | 'POST', string, unknown?][] = [
      [researcher, 'GET', `${query}&_summary=count`],
      [researcher, 'POST', 'Measure/$evaluate-measure', inlineMeasure(measure(query))],
      [clinician, 'POST', 'Measure/$evaluate-measure', inlineMeasure(measure('Patient?gender=female', [], query))],
    ];
    for (const [caller, method, path, body] of attempts) {
      const ctx = { ...site.context(caller), store: new BodiesOnlyStore(site.store) };
      const err = await call(ctx, method, path, body).then(() => undefined, (e: OperationOutcomeError) => e);
      assert.ok(err, `${path} is refused`);
      assert.equal(err.status, 422);
      assert.equal(err.outcome.issue![0].code, 'too-costly');
      assert.match(err.message, /incomplete cohort/);
    }
  });
});
