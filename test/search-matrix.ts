/**
 * The search matrix every Store must answer identically (issue 5: "the contract suite runs a search matrix against
 * each"): a population of Patients, Encounters, Conditions and Observations written with their extracted index
 * entries, then searches of every parameter type, modifier, prefix, chain, `_has`, sort, paging, include and
 * compartment. Each expected answer is computed in plain JS from the resources themselves, never from the index,
 * so the matrix checks extraction, compilation and the store together. Call it from a store's test file:
 * `describeSearchMatrix('MongoStore', makeMongoStore)`.
 */
import assert from 'node:assert/strict';
import type { Condition, Encounter, Observation, Patient, Resource } from '@medplum/fhirtypes';
import { patientResources } from '../bench/search-data.ts';
import { searchResources } from '../server/search/execute.ts';
import { extractIndexEntries } from '../server/search/extract.ts';
import { parseSearchRequest } from '../server/search/parse.ts';
import type { Store } from '../server/store/types.ts';
import type { MakeStore } from './store/contract.ts';

const PATIENTS = 4;
const SNOMED = 'http://snomed.info/sct';
const LIPIDS = ['2093-3', '2571-8', '18262-6', '2085-9'];
const population: Resource[] = [];
for (let p = 0; p < PATIENTS; p++) population.push(...patientResources(p));
population.push(...terminologyResources());
const all = <T extends Resource>(type: T['resourceType']) => population.filter((r) => r.resourceType === type) as T[];
const ids = (resources: Resource[]) => resources.map((r) => r.id!).sort();
const codes = (r: { code?: { coding?: { system?: string; code?: string; display?: string }[] } }) => r.code?.coding ?? [];
const fold = (s: string) => s.toLowerCase();

/** The site's own terminology and lists: a ValueSet, a SNOMED fragment with a hierarchy, a List, linked documents. */
function terminologyResources(): Resource[] {
  return [
    { resourceType: 'ValueSet', id: 'lipids', url: 'http://vitrine.test/ValueSet/lipids', status: 'active', compose: { include: [{ system: 'http://loinc.org', concept: LIPIDS.map((code) => ({ code })) }] } },
    { resourceType: 'ValueSet', id: 'hypertension', url: 'http://vitrine.test/ValueSet/hypertension', status: 'active', compose: { include: [{ system: SNOMED, filter: [{ property: 'concept', op: 'is-a', value: '38341003' }] }] } },
    {
      resourceType: 'CodeSystem', id: 'snomed-fragment', url: SNOMED, status: 'active', content: 'fragment',
      concept: [
        { code: '38341003', display: 'Hypertension', concept: [{ code: '59621000', display: 'Essential hypertension' }] },
        { code: '44054006', display: 'Diabetes', concept: [{ code: '368581000119106', display: 'Neuropathy due to type 2 diabetes' }] },
      ],
    },
    { resourceType: 'List', id: 'cohort', status: 'current', mode: 'working', entry: [{ item: { reference: 'Patient/p1' } }, { item: { reference: 'Patient/p3' } }, { item: { reference: 'Patient/p2' }, deleted: true }, { item: { reference: 'Condition/c0-0' } }] },
    { resourceType: 'DocumentReference', id: 'd0', status: 'current', content: [{ attachment: { url: 'urn:d0' } }], subject: { reference: 'Patient/p0' } },
    { resourceType: 'DocumentReference', id: 'd1', status: 'current', content: [{ attachment: { url: 'urn:d1' } }], subject: { reference: 'Patient/p0' }, relatesTo: [{ code: 'replaces', target: { reference: 'DocumentReference/d0' } }] },
    { resourceType: 'DocumentReference', id: 'd2', status: 'current', content: [{ attachment: { url: 'urn:d2' } }], subject: { reference: 'Patient/p1' }, relatesTo: [{ code: 'appends', target: { reference: 'DocumentReference/d0' } }] },
  ] as Resource[];
}

const firstPatient = all<Patient>('Patient')[0];
const firstFamily = firstPatient.name![0].family!;

interface MatrixCase {
  type: string | undefined;
  query: string;
  /** The expected match ids, sorted; or in order when the query sorts. */
  expected: () => string[];
  ordered?: boolean;
  /** Expected included ids (sorted), when the query includes. */
  included?: () => string[];
}

const inYear = (instant: string | undefined, year: string) => (instant ?? '').startsWith(year);
const quantity = (o: Observation) => o.valueQuantity?.value ?? NaN;
const patientsWith = (type: 'Condition' | 'Observation', system: string, code: string) =>
  new Set(all<Condition | Observation>(type).filter((r) => codes(r).some((c) => c.system === system && c.code === code)).map((r) => r.subject!.reference!.split('/')[1]));

export const SEARCH_MATRIX: Record<string, MatrixCase[]> = {
  token: [
    { type: 'Observation', query: 'code=http://loinc.org|2339-0', expected: () => ids(all<Observation>('Observation').filter((o) => codes(o).some((c) => c.code === '2339-0'))) },
    { type: 'Observation', query: 'code=8867-4,2339-0', expected: () => ids(all<Observation>('Observation').filter((o) => codes(o).some((c) => c.code === '8867-4' || c.code === '2339-0'))) },
    { type: 'Observation', query: 'code=http://loinc.org|', expected: () => ids(all('Observation')) },
    { type: 'Observation', query: 'code=|2339-0', expected: () => [] },
    { type: 'Condition', query: 'code:not=http://snomed.info/sct|38341003', expected: () => ids(all<Condition>('Condition').filter((c) => !codes(c).some((k) => k.code === '38341003'))) },
    { type: 'Condition', query: 'code:text=diab', expected: () => ids(all<Condition>('Condition').filter((c) => fold(c.code?.text ?? '').startsWith('diab') || codes(c).some((k) => fold(k.display ?? '').startsWith('diab')))) },
    { type: 'Patient', query: 'gender=female', expected: () => ids(all<Patient>('Patient').filter((p) => p.gender === 'female')) },
    { type: 'Patient', query: `identifier=urn:vitrine:bench:mrn|mrn-1`, expected: () => ['p1'] },
  ],
  'token terminology': [
    { type: 'Observation', query: 'code:in=http://vitrine.test/ValueSet/lipids', expected: () => ids(all<Observation>('Observation').filter((o) => LIPIDS.includes(codes(o)[0].code!))) },
    { type: 'Observation', query: 'code:not-in=http://vitrine.test/ValueSet/lipids', expected: () => ids(all<Observation>('Observation').filter((o) => !LIPIDS.includes(codes(o)[0].code!))) },
    { type: 'Condition', query: 'code:in=http://vitrine.test/ValueSet/hypertension', expected: () => ids(all<Condition>('Condition').filter((c) => ['38341003', '59621000'].includes(codes(c)[0].code!))) },
    { type: 'Condition', query: `code:below=${SNOMED}|44054006`, expected: () => ids(all<Condition>('Condition').filter((c) => ['44054006', '368581000119106'].includes(codes(c)[0].code!))) },
    { type: 'Condition', query: `code:above=${SNOMED}|59621000`, expected: () => ids(all<Condition>('Condition').filter((c) => ['38341003', '59621000'].includes(codes(c)[0].code!))) },
    // R4 value sets shipped with the server: a whole code system, and codes of a `code` element (no system stored).
    { type: 'Condition', query: 'clinical-status:in=http://hl7.org/fhir/ValueSet/condition-clinical', expected: () => ids(all('Condition')) },
    { type: 'Patient', query: 'gender:in=http://hl7.org/fhir/ValueSet/administrative-gender', expected: () => ids(all('Patient')) },
    { type: 'Patient', query: 'gender:not-in=http://hl7.org/fhir/ValueSet/administrative-gender', expected: () => [] },
  ],
  string: [
    { type: 'Patient', query: `family=${firstFamily.slice(0, 4).toUpperCase()}`, expected: () => ids(all<Patient>('Patient').filter((p) => fold(p.name![0].family!).startsWith(fold(firstFamily.slice(0, 4))))) },
    { type: 'Patient', query: `family:exact=${firstFamily}`, expected: () => ids(all<Patient>('Patient').filter((p) => p.name![0].family === firstFamily)) },
    { type: 'Patient', query: `family:exact=${fold(firstFamily)}`, expected: () => [] },
    { type: 'Patient', query: `name:contains=${firstFamily.slice(2, 6)}`, expected: () => ids(all<Patient>('Patient').filter((p) => [p.name![0].family!, ...p.name![0].given!].some((n) => fold(n).includes(fold(firstFamily.slice(2, 6)))))) },
  ],
  date: [
    { type: 'Observation', query: 'date=ge2020-01-01&date=lt2021-01-01', expected: () => ids(all<Observation>('Observation').filter((o) => inYear(o.effectiveDateTime, '2020'))) },
    { type: 'Observation', query: 'date=2016', expected: () => ids(all<Observation>('Observation').filter((o) => inYear(o.effectiveDateTime, '2016'))) },
    { type: 'Encounter', query: 'date=eb2012-01-01', expected: () => ids(all<Encounter>('Encounter').filter((e) => e.period!.end! < '2012-01-01')) },
    { type: 'Encounter', query: 'date=sa2022-12-31', expected: () => ids(all<Encounter>('Encounter').filter((e) => e.period!.start! >= '2023-01-01')) },
    { type: 'Patient', query: 'birthdate=ne1950', expected: () => ids(all<Patient>('Patient').filter((p) => !p.birthDate!.startsWith('1950'))) },
    { type: 'Condition', query: 'onset-date=le2013-06-30', expected: () => ids(all<Condition>('Condition').filter((c) => c.onsetDateTime! < '2013-07-01')) },
  ],
  quantity: [
    { type: 'Observation', query: 'value-quantity=gt100.05', expected: () => ids(all<Observation>('Observation').filter((o) => quantity(o) > 100.05)) },
    { type: 'Observation', query: 'value-quantity=lt50.05|http://unitsofmeasure.org|mg/dL', expected: () => ids(all<Observation>('Observation').filter((o) => quantity(o) < 50.05 && o.valueQuantity!.code === 'mg/dL')) },
    { type: 'Observation', query: 'value-quantity=le10.05&code=http://loinc.org|8867-4', expected: () => ids(all<Observation>('Observation').filter((o) => quantity(o) <= 10.05 && codes(o)[0].code === '8867-4')) },
  ],
  reference: [
    { type: 'Observation', query: 'subject=Patient/p1&code=8480-6', expected: () => ids(all<Observation>('Observation').filter((o) => o.subject!.reference === 'Patient/p1' && codes(o)[0].code === '8480-6')) },
    { type: 'Condition', query: 'patient=p2', expected: () => ids(all<Condition>('Condition').filter((c) => c.subject!.reference === 'Patient/p2')) },
    { type: 'Condition', query: 'subject:Patient=p3', expected: () => ids(all<Condition>('Condition').filter((c) => c.subject!.reference === 'Patient/p3')) },
    { type: 'Condition', query: 'encounter=Encounter/e0-1', expected: () => ids(all<Condition>('Condition').filter((c) => c.encounter!.reference === 'Encounter/e0-1')) },
  ],
  composite: [
    { type: 'DocumentReference', query: 'relationship=DocumentReference/d0$replaces', expected: () => ['d1'] },
    { type: 'DocumentReference', query: 'relationship=d0$replaces,d0$appends', expected: () => ['d1', 'd2'] },
    { type: 'Observation', query: 'code-value-quantity=http://loinc.org|2339-0$gt100.05', expected: () => ids(all<Observation>('Observation').filter((o) => codes(o)[0].code === '2339-0' && quantity(o) > 100.05)) },
  ],
  'chain and _has': [
    { type: 'Condition', query: 'subject:Patient.gender=female', expected: () => ids(all<Condition>('Condition').filter((c) => all<Patient>('Patient').some((p) => p.gender === 'female' && c.subject!.reference === `Patient/${p.id}`))) },
    { type: 'Patient', query: '_has:Condition:patient:code=http://snomed.info/sct|38341003', expected: () => [...patientsWith('Condition', 'http://snomed.info/sct', '38341003')].sort() },
    {
      type: 'Patient',
      query: '_has:Condition:patient:code=http://snomed.info/sct|38341003&_has:Observation:patient:code=http://loinc.org|4548-4',
      expected: () => {
        const withObservation = patientsWith('Observation', 'http://loinc.org', '4548-4');
        return [...patientsWith('Condition', 'http://snomed.info/sct', '38341003')].filter((p) => withObservation.has(p)).sort();
      },
    },
  ],
  'special and result parameters': [
    { type: 'Patient', query: '_id=p1,p3', expected: () => ['p1', 'p3'] },
    { type: 'Patient', query: '_list=cohort', expected: () => ['p1', 'p3'] },
    { type: 'Patient', query: '_list=cohort&gender=female', expected: () => ids(all<Patient>('Patient').filter((p) => ['p1', 'p3'].includes(p.id!) && p.gender === 'female')) },
    { type: 'Condition', query: '_list=cohort', expected: () => ['c0-0'] },
    { type: 'Patient', query: '_list=no-such-list', expected: () => [] },
    { type: 'Patient', query: '_id=p1&_contained=false', expected: () => ['p1'] },
    { type: 'Patient', query: 'birthdate:missing=false', expected: () => ids(all('Patient')) },
    { type: 'Patient', query: 'birthdate:missing=true', expected: () => [] },
    {
      type: 'Observation',
      query: 'code=2339-0&_sort=-date&_count=7',
      ordered: true,
      expected: () =>
        all<Observation>('Observation')
          .filter((o) => codes(o)[0].code === '2339-0')
          .sort((a, b) => (b.effectiveDateTime! < a.effectiveDateTime! ? -1 : b.effectiveDateTime! > a.effectiveDateTime! ? 1 : a.id! < b.id! ? -1 : 1))
          .slice(0, 7)
          .map((o) => o.id!),
    },
    { type: 'Observation', query: '_id=o1-0,o2-5&_include=Observation:subject', expected: () => ['o1-0', 'o2-5'], included: () => ['p1', 'p2'] },
    { type: 'Patient', query: '_id=p0&_revinclude=Encounter:subject', expected: () => ['p0'], included: () => ids(all<Encounter>('Encounter').filter((e) => e.subject!.reference === 'Patient/p0')) },
    { type: undefined, query: '_type=Patient,Encounter&_id=p1,e1-2', expected: () => ['e1-2', 'p1'] },
  ],
};

/** Writes the population with its extracted index entries, in one commit. */
export async function commitSearchPopulation(store: Store): Promise<void> {
  const lastUpdated = new Date('2024-06-01T00:00:00Z');
  await store.commit(
    population.map((resource) => {
      const stored = { ...resource, meta: { versionId: '1', lastUpdated: lastUpdated.toISOString() } } as Resource;
      return { type: resource.resourceType, id: resource.id!, vid: 1, expectedVid: 0, lastUpdated, deleted: false, json: JSON.stringify(stored), index: extractIndexEntries(stored) };
    }),
  );
}

/** Runs a query string through parse -> search against a store. */
export function runSearch(store: Store, type: string | undefined, query: string) {
  return searchResources(store, parseSearchRequest(type, [...new URLSearchParams(query)] as [string, string][], { maxCount: 100_000, defaultCount: 100_000 }));
}

/** The search matrix against a store made by `makeStore` (one store for the whole matrix: it only reads). */
export function describeSearchMatrix(name: string, makeStore: MakeStore): void {
  describe(`search matrix: ${name}`, function () {
    let store: Store;
    let cleanup: (() => Promise<void>) | undefined;
    before(async function () {
      const made = await makeStore();
      store = made.store;
      cleanup = made.cleanup;
      await commitSearchPopulation(store);
    });
    after(async () => cleanup?.());

    for (const [group, cases] of Object.entries(SEARCH_MATRIX)) {
      it(`${group}: ${cases.length} searches match the plain-JS answer`, async () => {
        for (const c of cases) {
          const expected = c.expected();
          const result = await runSearch(store, c.type, c.query);
          const found = result.matches.map((v) => v.id);
          assert.deepEqual(c.ordered ? found : found.sort(), expected, `${c.type ?? ''}?${c.query}`);
          if (!c.ordered) assert.equal(result.total, expected.length, `total of ${c.type ?? ''}?${c.query}`);
          if (c.included) assert.deepEqual(result.included.map((v) => v.id).sort(), c.included(), `included of ${c.type ?? ''}?${c.query}`);
        }
      });
    }

    it('paging with _count and _offset visits every match once, in order', async () => {
      const full = (await runSearch(store, 'Observation', 'code=8867-4&_sort=date')).matches.map((v) => v.id);
      const paged: string[] = [];
      for (let offset = 0; offset < full.length; offset += 25) {
        paged.push(...(await runSearch(store, 'Observation', `code=8867-4&_sort=date&_count=25&_offset=${offset}`)).matches.map((v) => v.id));
      }
      assert.deepEqual(paged, full);
      assert.ok(full.length > 25);
    });

    it('cursor paging visits every match once, forwards and backwards, missing sort values included', async () => {
      // Few pages each: a MongoDB-protocol server in CI answers a query in tens of milliseconds.
      for (const [type, query, count] of [['Observation', 'code=2339-0&_sort=-date&_total=none', 10], ['DocumentReference', '_sort=-relatesto&_total=none', 1], ['DocumentReference', '_sort=relatesto&_total=none', 2], ['Patient', '_total=none', 3]] as const) {
        const full = (await runSearch(store, type, query)).matches.map((v) => v.id);
        const pages: string[][] = [];
        let page = await runSearch(store, type, `${query}&_count=${count}`);
        pages.push(page.matches.map((v) => v.id));
        while (page.cursors?.next) {
          page = await runSearch(store, type, `${query}&_count=${count}&_cursor=${page.cursors.next}`);
          pages.push(page.matches.map((v) => v.id));
        }
        assert.deepEqual(pages.flat(), full, `${type}?${query}`);
        const backwards: string[][] = [page.matches.map((v) => v.id)];
        while (page.cursors?.previous) {
          page = await runSearch(store, type, `${query}&_count=${count}&_cursor=${page.cursors.previous}`);
          backwards.unshift(page.matches.map((v) => v.id));
        }
        assert.deepEqual(backwards, pages, `previous links of ${type}?${query}`);
        assert.ok(pages.length > 1, `${type}?${query} spans pages`);
      }
    });

    it('_summary=count gives the total without entries; a compartment search keeps to the compartment', async () => {
      const counted = await runSearch(store, 'Observation', 'code=8867-4&_summary=count');
      assert.equal(counted.matches.length, 0);
      assert.equal(counted.total, all<Observation>('Observation').filter((o) => codes(o)[0].code === '8867-4').length);
      const request = parseSearchRequest('Condition', [], { defaultCount: 1000 });
      request.compartment = 'Patient/p2';
      const inCompartment = await searchResources(store, request);
      assert.deepEqual(inCompartment.matches.map((v) => v.id).sort(), ids(all<Condition>('Condition').filter((c) => c.subject!.reference === 'Patient/p2')));
    });
  });
}
