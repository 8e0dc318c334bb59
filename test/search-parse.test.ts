import assert from 'node:assert/strict';
import { OperationOutcomeError } from '../server/fhir/outcomes.ts';
import { parseSearchRequest } from '../server/search/parse.ts';

const parse = (type: string | undefined, query: string, options = {}) =>
  parseSearchRequest(type, [...new URLSearchParams(query)], options);

function assertBadRequest(type: string | undefined, query: string, name: string): void {
  assert.throws(
    () => parse(type, query),
    (err: unknown) => err instanceof OperationOutcomeError && err.status === 400 && err.message.includes(name),
    query,
  );
}

describe('search: parseSearchRequest (https://hl7.org/fhir/R4/search.html)', () => {
  it('parses every token form; comma is OR, repeated parameters are AND', () => {
    const r = parse('Observation', 'code=http://loinc.org|8867-4,|x,http://loinc.org|,y&code=z');
    assert.equal(r.filters.length, 2);
    assert.deepEqual(r.filters[0], {
      kind: 'parameter',
      code: 'code',
      type: 'token',
      values: [
        { kind: 'token', system: 'http://loinc.org', code: '8867-4' },
        { kind: 'token', system: '', code: 'x' },
        { kind: 'token', system: 'http://loinc.org' },
        { kind: 'token', code: 'y' },
      ],
    });
  });

  it('keeps escaped commas and bars in values', () => {
    const r = parse('Patient', 'family=a\\,b');
    assert.deepEqual(r.filters[0].kind === 'parameter' && r.filters[0].values, [{ kind: 'string', text: 'a,b' }]);
  });

  it('parses date and quantity prefixes', () => {
    const r = parse('Observation', 'date=ge2020-01&value-quantity=lt5.4|http://unitsofmeasure.org|mg');
    const [date, quantity] = r.filters.map((f) => (f.kind === 'parameter' ? f.values[0] : undefined));
    assert.equal(date?.kind === 'date' && date.prefix, 'ge');
    assert.equal(date?.kind === 'date' && date.hi.toISOString(), '2020-01-31T23:59:59.999Z');
    assert.deepEqual(quantity?.kind === 'number' && [quantity.prefix, quantity.value, quantity.code], ['lt', 5.4, 'mg']);
  });

  it('parses references as Type/id, bare id, absolute URL, :Type and :identifier', () => {
    const r = parse('Observation', 'subject=Patient/1&subject=2&subject:Patient=3&subject:identifier=urn:x|9&encounter=http://x/fhir/Encounter/5');
    const values = r.filters.map((f) => (f.kind === 'parameter' ? f.values[0] : undefined));
    assert.deepEqual(values, [
      { kind: 'reference', reference: 'Patient/1' },
      { kind: 'reference', id: '2' },
      { kind: 'reference', reference: 'Patient/3' },
      { kind: 'token', system: 'urn:x', code: '9' },
      { kind: 'reference', reference: 'http://x/fhir/Encounter/5' },
    ]);
  });

  it('parses chains to any depth and nested _has', () => {
    const chain = parse('Observation', 'subject:Patient.organization.name=acme').filters[0];
    assert.equal(chain.kind, 'chain');
    assert.equal(chain.kind === 'chain' && chain.filter.kind, 'chain');
    const has = parse('Patient', '_has:Observation:patient:_has:Provenance:target:agent=Practitioner/1').filters[0];
    assert.equal(has.kind === 'has' && has.filter.kind === 'has' && has.filter.type, 'Provenance');
  });

  it('parses composites as token$value', () => {
    const f = parse('Observation', 'component-code-value-quantity=http://loinc.org|8480-6$gt100').filters[0];
    assert.equal(f.kind === 'parameter' && f.values[0].kind, 'composite');
  });

  it('parses result parameters', () => {
    const r = parse('Observation', '_count=5&_offset=10&_sort=-date,_id&_include=Observation:subject:Patient&_revinclude:iterate=Provenance:target&_summary=count&_total=accurate&_elements=id,code');
    assert.equal(r.count, 5);
    assert.equal(r.offset, 10);
    assert.deepEqual(r.sort, [{ code: 'date', descending: true }, { code: '_id', descending: false }]);
    assert.deepEqual(r.include, [{ type: 'Observation', code: 'subject', targetType: 'Patient', iterate: false }]);
    assert.deepEqual(r.revinclude, [{ type: 'Provenance', code: 'target', iterate: true }]);
    assert.equal(r.summary, 'count');
    assert.equal(r.total, 'accurate');
    assert.deepEqual(r.elements, ['id', 'code']);
  });

  it('caps _count at the maximum with a warning', () => {
    const r = parse('Patient', '_count=5000', { maxCount: 100 });
    assert.equal(r.count, 100);
    assert.equal(r.warnings.length, 1);
  });

  it('ignores unknown parameters with a warning, or refuses them under strict handling', () => {
    const r = parse('Patient', 'foo=bar');
    assert.equal(r.filters.length, 0);
    assert.match(r.warnings[0].diagnostics ?? '', /foo/);
    assert.throws(() => parse('Patient', 'foo=bar', { strict: true }), OperationOutcomeError);
  });

  it('never lets query-string objects or prototype keys through', () => {
    const r = parseSearchRequest('Patient', [['_id[$ne]', 'x'], ['__proto__', 'x'], ['constructor', 'y'], ['name.__proto__', 'z']]);
    assert.equal(r.filters.length, 0);
    assert.equal(r.warnings.length, 4);
  });

  it('refuses malformed values naming the parameter', () => {
    assertBadRequest('Observation', 'date=05', 'date');
    assertBadRequest('Observation', 'value-quantity=gt', 'value-quantity');
    assertBadRequest('Patient', '_count=abc', '_count');
    assertBadRequest('Patient', 'gender:missing=maybe', 'gender');
    assertBadRequest('Patient', 'gender:contains=x', 'gender');
    assertBadRequest('Observation', '_include=Observation:status', '_include');
    assertBadRequest('Observation', 'code.name=x', 'code.name');
  });

  it('accepts _type on a system search and common parameters across types', () => {
    const r = parse(undefined, '_type=Patient,Observation&_lastUpdated=gt2020');
    assert.deepEqual(r.types, ['Patient', 'Observation']);
    assert.equal(r.filters.length, 1);
  });
});
