import assert from 'node:assert/strict';
import { Query } from 'mingo';
import { compileFilter } from '../server/search/compile.ts';
import { withWildcardEntries } from '../server/search/index-keys.ts';
import { parseSearchRequest } from '../server/search/parse.ts';
import { compilePredicate } from '../server/store/embedded/filter-predicate.ts';
import { toMemoryFilter } from '../server/store/embedded/memory-filter.ts';
import { toMemoryIndexEntries } from '../server/store/embedded/record-codec.ts';
import { loadFixture, toDocument } from './search-documents.ts';

const documents = ['patient-example', 'observation-blood-pressure', 'observation-glucose', 'condition-example', 'valueset-example']
  .map((name) => toDocument(loadFixture(name)));

/**
 * The ids a query matches among the fixtures, compiled and run through mingo on the documents as MongoDB holds them
 * (with a composite's entries also under the wildcard names they stand for), as the embedded store's fallback does.
 */
function matching(type: string, query: string): string[] {
  const filter = compileFilter(parseSearchRequest(type, [...new URLSearchParams(query)]));
  const q = new Query(filter);
  const ids = documents.filter((d) => q.test(withWildcardEntries(d) as unknown as Record<string, unknown>)).map((d) => d.id);
  // The embedded store's compiled predicate must agree with mingo on every query (dates as epoch ms there).
  const predicate = compilePredicate(toMemoryFilter(filter));
  if (predicate) {
    const memoryDocuments = documents.map((d) => ({ ...d, ...toMemoryIndexEntries(d), lastUpdated: d.lastUpdated.getTime() }));
    assert.deepEqual(memoryDocuments.filter(predicate).map((d) => d.id), ids, `compiled predicate differs from mingo for ${query}`);
  }
  return ids;
}

describe('search: compiled filters match the right documents', () => {
  it('token: code, system|code, |code, system|, :not, :text, :of-type', () => {
    assert.deepEqual(matching('Observation', 'code=85354-9'), ['blood-pressure']);
    assert.deepEqual(matching('Observation', 'code=http://loinc.org|15074-8'), ['f001']);
    assert.deepEqual(matching('Observation', 'code=http://loinc.org|'), ['blood-pressure', 'f001']);
    assert.deepEqual(matching('Observation', 'code=|85354-9'), []);
    assert.deepEqual(matching('Observation', 'status=|final'), ['blood-pressure', 'f001']);
    assert.deepEqual(matching('Observation', 'code:not=85354-9'), ['f001']);
    assert.deepEqual(matching('Observation', 'code:text=glucose'), ['f001']);
    assert.deepEqual(matching('Patient', 'identifier:of-type=http://terminology.hl7.org/CodeSystem/v2-0203|MR|12345'), ['example']);
    assert.deepEqual(matching('Patient', 'gender=female'), []);
  });

  it('string: starts-with ignoring case and accents, :exact, :contains', () => {
    assert.deepEqual(matching('Patient', 'name=PET'), ['example']);
    assert.deepEqual(matching('Patient', 'address-city=zur'), ['example']);
    assert.deepEqual(matching('Patient', 'family:exact=Chalmers'), ['example']);
    assert.deepEqual(matching('Patient', 'family:exact=chalmers'), []);
    assert.deepEqual(matching('Patient', 'family:contains=alm'), ['example']);
    assert.deepEqual(matching('Patient', 'family=alm'), []);
    assert.deepEqual(matching('Patient', 'name=x,jam'), ['example']);
  });

  it('regex metacharacters in string values are literal', () => {
    assert.deepEqual(matching('Patient', 'family=.*'), []);
  });

  it('date: precision ranges and prefixes', () => {
    assert.deepEqual(matching('Patient', 'birthdate=1974'), ['example']);
    assert.deepEqual(matching('Patient', 'birthdate=1974-12-25'), ['example']);
    assert.deepEqual(matching('Patient', 'birthdate=1974-12-26'), []);
    assert.deepEqual(matching('Patient', 'birthdate=gt1974-12-24'), ['example']);
    assert.deepEqual(matching('Patient', 'birthdate=lt1974-12-25'), []);
    assert.deepEqual(matching('Patient', 'birthdate=ge1974-12-25&birthdate=le1974-12-25'), ['example']);
    assert.deepEqual(matching('Observation', 'date=2013-04-03'), [], 'a period is not within one day');
    assert.deepEqual(matching('Observation', 'date=ge2013-04-03&date=le2013-04-03'), ['f001'], 'but overlaps it');
    assert.deepEqual(matching('Observation', 'date=sa2013-01-01'), ['f001']);
    assert.deepEqual(matching('Observation', 'date=eb2013-01-01'), ['blood-pressure']);
    assert.deepEqual(matching('Observation', 'date=ne2012-09-17'), ['f001']);
  });

  it('quantity: prefixes, units, and UCUM conversion', () => {
    assert.deepEqual(matching('Observation', 'value-quantity=1200'), ['f001']);
    assert.deepEqual(matching('Observation', 'value-quantity=1.2|http://unitsofmeasure.org|g'), ['f001']);
    assert.deepEqual(matching('Observation', 'value-quantity=gt1|http://unitsofmeasure.org|g'), ['f001']);
    assert.deepEqual(matching('Observation', 'value-quantity=lt1|http://unitsofmeasure.org|g'), []);
    assert.deepEqual(matching('Observation', 'value-quantity=1200||mg'), ['f001']);
    assert.deepEqual(matching('Observation', 'value-quantity=lt5'), [], 'no unit: compares the value as recorded');
    assert.deepEqual(matching('Observation', 'value-quantity=ap1150'), ['f001']);
  });

  it('reference: Type/id, bare id, absolute URL, :Type, :identifier, chains into other types are resolved elsewhere', () => {
    assert.deepEqual(matching('Observation', 'subject=Patient/example'), ['blood-pressure']);
    assert.deepEqual(matching('Observation', 'subject=example'), ['blood-pressure']);
    assert.deepEqual(matching('Observation', 'subject:Patient=f001'), ['f001']);
    assert.deepEqual(matching('Observation', 'patient=f001'), ['f001']);
    assert.deepEqual(matching('Observation', 'encounter=Encounter/e1'), ['blood-pressure']);
    assert.deepEqual(matching('Observation', 'encounter=http://fhir.example.org/fhir/Encounter/e1'), ['blood-pressure']);
    assert.deepEqual(matching('Condition', 'asserter:identifier=http://example.org/practitioners|prac-42'), ['example']);
  });

  it('uri: exact, :below, :above', () => {
    assert.deepEqual(matching('ValueSet', 'url=http://hl7.org/fhir/ValueSet/example-extensional'), ['example']);
    assert.deepEqual(matching('ValueSet', 'url=http://hl7.org/fhir/ValueSet'), []);
    assert.deepEqual(matching('ValueSet', 'url:below=http://hl7.org/fhir/'), ['example']);
    assert.deepEqual(matching('ValueSet', 'url:above=http://hl7.org/fhir/ValueSet/example-extensional/v2'), ['example']);
  });

  it('composite: code with value', () => {
    assert.deepEqual(matching('Observation', 'component-code-value-quantity=http://loinc.org|8480-6$gt100'), ['blood-pressure']);
    assert.deepEqual(matching('Observation', 'component-code-value-quantity=http://loinc.org|8462-4$gt100'), []);
    assert.deepEqual(matching('Observation', 'code-value-quantity=15074-8$1200'), ['f001']);
  });

  it(':missing, _id, _lastUpdated, _tag, _profile', () => {
    assert.deepEqual(matching('Observation', 'value-quantity:missing=true'), ['blood-pressure']);
    assert.deepEqual(matching('Observation', 'value-quantity:missing=false'), ['f001']);
    assert.deepEqual(matching('Observation', '_id=f001,nope'), ['f001']);
    assert.deepEqual(matching('Patient', '_lastUpdated=2024-01-01'), ['example']);
    assert.deepEqual(matching('Patient', '_lastUpdated=gt2024-01-01'), []);
    assert.deepEqual(matching('Patient', '_tag=http://example.org/tags|seeded'), ['example']);
    assert.deepEqual(matching('Patient', '_profile=http://example.org/StructureDefinition/deid-patient'), ['example']);
  });

  it('puts token and reference keys where an index can use them', () => {
    const filter = compileFilter(parseSearchRequest('Observation', [['code', 'http://loinc.org|8867-4']]));
    assert.deepEqual(filter, { deleted: false, type: 'Observation', $and: [{ tok: 'code|http://loinc.org|8867-4' }] });
  });
});
