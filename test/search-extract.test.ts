import assert from 'node:assert/strict';
import type { Resource } from '@medplum/fhirtypes';
import { extractIndexEntries } from '../server/search/extract.ts';
import { tokenIndexKeys, wildcardNamesOf } from '../server/search/index-keys.ts';
import { loadFixture } from './search-documents.ts';

describe('search: extractIndexEntries (https://hl7.org/fhir/R4/search.html)', () => {
  const patient = extractIndexEntries(loadFixture('patient-example'));
  const bp = extractIndexEntries(loadFixture('observation-blood-pressure'));
  const glucose = extractIndexEntries(loadFixture('observation-glucose'));
  const condition = extractIndexEntries(loadFixture('condition-example'));

  it('indexes a Coding under every token form as one key each', () => {
    for (const key of ['code|http://loinc.org|85354-9', 'code|*|85354-9', 'code|http://loinc.org|*']) {
      assert.ok(bp.tok.includes(key), key);
    }
    assert.ok(bp.tok.includes('status||final'), 'a code without system');
    assert.ok(bp.tok.includes('status|*|final'));
  });

  it('keeps each key once, in the order first made, few or many', () => {
    const labels = ['ABSTRED', 'PSEUDED', 'REDACTED', 'ABSTRED'].map((code) => ({ system: 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue', code }));
    const observation = {
      resourceType: 'Observation',
      status: 'final',
      meta: { security: labels },
      code: { coding: [{ system: 'http://loinc.org', code: '1' }, { system: 'http://example.org', code: '1' }, { system: 'http://loinc.org', code: '2' }] },
      subject: { reference: 'Patient/p' },
    } as Resource;
    const { tok } = extractIndexEntries(observation);
    assert.equal(new Set(tok).size, tok.length, 'no key twice');
    const security = tok.filter((k) => k.startsWith('_security'));
    const system = 'http://terminology.hl7.org/CodeSystem/v3-ObservationValue';
    assert.deepEqual(security, [
      `_security|${system}|ABSTRED`, '_security|*|ABSTRED', `_security|${system}|*`,
      `_security|${system}|PSEUDED`, '_security|*|PSEUDED', `_security|${system}|REDACTED`, '_security|*|REDACTED', '_security:present',
    ]);
    assert.deepEqual(tok.filter((k) => k.startsWith('code|') || k.startsWith('code:')), [
      'code|http://loinc.org|1', 'code|*|1', 'code|http://loinc.org|*', 'code|http://example.org|1', 'code|http://example.org|*', 'code|http://loinc.org|2', 'code|*|2', 'code:present',
    ]);
    // A Group of many members, some twice: past the pairwise comparison, the same result.
    const members = Array.from({ length: 100 }, (_, i) => ({ entity: { reference: `Patient/m${i % 60}` } }));
    const group = extractIndexEntries({ resourceType: 'Group', type: 'person', actual: true, member: members } as Resource);
    const memberKeys = group.ref.filter((k) => k.startsWith('member|'));
    assert.deepEqual(memberKeys, Array.from({ length: 60 }, (_, i) => `member|Patient/m${i}`));
  });

  it('indexes Identifier system|value, identifier type for :of-type, booleans and ContactPoints', () => {
    assert.ok(patient.tok.includes('identifier|urn:oid:1.2.36.146.595.217.0.1|12345'));
    assert.ok(patient.tok.includes('identifier:of-type|http://terminology.hl7.org/CodeSystem/v2-0203|MR|12345'));
    assert.ok(patient.tok.includes('active||true'));
    assert.ok(patient.tok.includes('phone|phone|(03) 5555 6473'));
    assert.ok(patient.tok.includes('gender|*|male'));
  });

  it('keeps display and text for :text, normalised', () => {
    assert.deepEqual(
      bp.txt.filter((t) => t.p === 'code').map((t) => t.v),
      ['blood pressure panel', 'blood pressure systolic & diastolic'],
    );
  });

  it('keeps a text that repeats a display once', () => {
    const code = { coding: [{ system: 'http://loinc.org', code: '2339-0', display: 'Glucose' }], text: 'GLUCOSE' };
    const entries = extractIndexEntries({ resourceType: 'Observation', status: 'final', code } as Resource);
    assert.deepEqual(entries.txt.filter((t) => t.p === 'code'), [{ p: 'code', v: 'glucose' }]);
  });

  it('folds case and accents of strings, and expands names and addresses', () => {
    const values = (p: string) => patient.str.filter((s) => s.p === p).map((s) => s.v);
    assert.deepEqual(values('family'), ['chalmers']);
    assert.deepEqual(values('given'), ['peter', 'james']);
    assert.ok(values('name').includes('peter james chalmers'));
    assert.ok(values('address-city').includes('zurich'));
    assert.ok(patient.str.some((s) => s.p === 'address-city:exact' && s.v === 'Zürich'));
  });

  it('turns dates into the range their precision covers, Periods into their bounds', () => {
    const birth = patient.dt.find((d) => d.p === 'birthdate')!;
    assert.equal(birth.lo.toISOString(), '1974-12-25T00:00:00.000Z');
    assert.equal(birth.hi.toISOString(), '1974-12-25T23:59:59.999Z');
    const period = glucose.dt.find((d) => d.p === 'date')!;
    assert.equal(period.lo.toISOString(), '2013-04-02T08:30:10.000Z');
    assert.equal(period.hi.toISOString(), '2013-04-05T08:30:10.999Z');
  });

  it('indexes quantities as recorded and in a canonical UCUM unit', () => {
    assert.deepEqual(glucose.num.filter((n) => n.p.startsWith('value-quantity')), [
      { p: 'value-quantity', v: 1200, sys: 'http://unitsofmeasure.org', code: 'mg' },
      { p: 'value-quantity:canonical', v: 1.2, sys: 'http://unitsofmeasure.org', code: 'g' },
    ]);
  });

  it('indexes references relative, from absolute URLs too, and identifier references', () => {
    assert.ok(bp.ref.includes('subject|Patient/example'));
    assert.ok(bp.ref.includes('patient|Patient/example'), 'where(resolve() is Patient) without a database');
    assert.ok(bp.ref.includes('encounter|Encounter/e1'));
    assert.ok(bp.ref.includes('encounter|http://fhir.example.org/fhir/Encounter/e1'));
    assert.ok(condition.tok.includes('asserter:identifier|http://example.org/practitioners|prac-42'));
  });

  it('does not take a reference to another type for where(resolve() is Patient)', () => {
    const obs = extractIndexEntries({ resourceType: 'Observation', id: 'g', status: 'final', code: {}, subject: { reference: 'Group/g1' } } as Resource);
    assert.ok(obs.ref.includes('subject|Group/g1'));
    assert.ok(!obs.ref.some((r) => r.startsWith('patient|')));
    assert.deepEqual(obs.compartments, []);
  });

  it('places resources in the patient compartment; a Patient is in its own', () => {
    assert.deepEqual(patient.compartments, ['Patient/example']);
    assert.deepEqual(bp.compartments, ['Patient/example']);
  });

  it('indexes composites under the token of their first part: keys under every form, named entries under the exact one', () => {
    assert.ok(bp.num.some((n) => n.p === 'component-code-value-quantity|http://loinc.org|8480-6' && n.v === 107));
    assert.ok(bp.num.some((n) => n.p === 'component-code-value-quantity|http://loinc.org|8462-4' && n.v === 60));
    // The wildcard forms are what the exact names stand for (index-keys.ts wildcardNamesOf), not stored again.
    assert.ok(!bp.num.some((n) => n.p.includes('|*')));
    assert.deepEqual(wildcardNamesOf('component-code-value-quantity|http://loinc.org|8462-4:canonical'), [
      'component-code-value-quantity|*|8462-4:canonical',
      'component-code-value-quantity|http://loinc.org|*:canonical',
    ]);
  });

  it('gives a recurring token the same key strings, and the right keys past the bound of what it keeps', () => {
    const first = tokenIndexKeys('code', 'http://loinc.org', '8867-4');
    assert.equal(tokenIndexKeys('code', 'http://loinc.org', '8867-4'), first);
    assert.deepEqual(first, ['code|http://loinc.org|8867-4', 'code|*|8867-4', 'code|http://loinc.org|*']);
    for (let i = 0; i < 60_000; i++) assert.equal(tokenIndexKeys('identifier', 'urn:x', `id-${i}`)[0], `identifier|urn:x|id-${i}`);
    assert.deepEqual(tokenIndexKeys('code', 'http://loinc.org', '8867-4'), first);
    assert.deepEqual(tokenIndexKeys('code', 'a|b', 'c'), ['code|a%7Cb|c', 'code|*|c', 'code|a%7Cb|*']);
  });

  it('indexes uris, meta tags and profiles', () => {
    const vs = extractIndexEntries(loadFixture('valueset-example'));
    assert.deepEqual(vs.uri, [{ p: 'url', v: 'http://hl7.org/fhir/ValueSet/example-extensional' }]);
    assert.ok(patient.tok.includes('_tag|http://example.org/tags|seeded'));
    assert.ok(patient.uri.some((u) => u.p === '_profile'));
  });

  it('records which parameters have values (for :missing) and sort keys', () => {
    assert.ok(bp.tok.includes('code:present'));
    assert.ok(!bp.tok.includes('value-quantity:present'));
    assert.equal(patient.srt.family, 'chalmers');
    assert.equal((patient.srt.birthdate as Date).toISOString(), '1974-12-25T00:00:00.000Z');
    assert.equal(glucose.srtHi['value-quantity'], 1200);
  });
});
