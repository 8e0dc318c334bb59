/**
 * Token `:in` / `:not-in` / `:above` / `:below`, `_list`, `_contained`, `:iterate` to any depth and UCUM unit
 * folding, through parse -> searchResources over the embedded store. https://hl7.org/fhir/R4/search.html#token
 */
import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import type { Resource } from '@medplum/fhirtypes';
import { OperationOutcomeError } from '../server/fhir/outcomes.ts';
import { searchResources } from '../server/search/execute.ts';
import { extractIndexEntries } from '../server/search/extract.ts';
import { parseSearchRequest } from '../server/search/parse.ts';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';

const EX = 'http://example.org/codes';
const UCUM = 'http://unitsofmeasure.org';
const condition = (id: string, system: string, code: string): Resource => ({ resourceType: 'Condition', id, subject: { reference: 'Patient/p1' }, code: { coding: [{ system, code }] } });
const observation = (id: string, value: number, unit: string): Resource => ({
  resourceType: 'Observation', id, status: 'final', code: { text: id }, valueQuantity: { value, system: UCUM, code: unit },
});
const valueSet = (id: string, compose: unknown, expansion?: unknown): Resource =>
  ({ resourceType: 'ValueSet', id, url: `http://vitrine.test/ValueSet/${id}`, status: 'active', compose, expansion }) as Resource;

const resources: Resource[] = [
  condition('c-a', EX, 'a'),
  condition('c-b', EX, 'b'),
  condition('c-c', EX, 'c'),
  condition('c-uri', 'urn:ietf:rfc:3986', 'http://example.org/codes/a/b'),
  condition('c-uri-top', 'urn:ietf:rfc:3986', 'http://example.org/codes/a'),
  valueSet('ab', { include: [{ system: EX, concept: [{ code: 'a' }, { code: 'b' }] }] }),
  valueSet('nested', { include: [{ valueSet: ['http://vitrine.test/ValueSet/ab'] }, { system: EX, concept: [{ code: 'c' }] }], exclude: [{ system: EX, concept: [{ code: 'a' }] }] }),
  valueSet('expanded', undefined, { timestamp: '2024-01-01', contains: [{ system: EX, code: 'c' }] }),
  ...Array.from({ length: 7 }, (_, i): Resource => ({ resourceType: 'Organization', id: `org${i}`, name: `Level ${i}`, ...(i < 6 && { partOf: { reference: `Organization/org${i + 1}` } }) })),
  observation('o-wbc', 7.2, '10*3/uL'),
  observation('o-bp', 120, 'mm[Hg]'),
  observation('o-weight', 150, '[lb_av]'),
  observation('o-hr', 72, '{beats}/min'),
];

describe('search: terminology modifiers, _list, _contained, :iterate and units', () => {
  let dir: string;
  let store: EmbeddedStore;
  let vid = 1;

  const write = (list: Resource[], version = 1) =>
    store.commit(list.map((r) => ({ type: r.resourceType, id: r.id!, vid: version, expectedVid: version - 1, lastUpdated: new Date(), deleted: false, json: JSON.stringify(r), index: extractIndexEntries(r) })));

  before(async () => {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'vitrine-terminology-'));
    store = new EmbeddedStore({ dir });
    await store.open();
    await write(resources);
  });

  after(async () => {
    await store.close();
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const search = async (type: string, query: string, strict = false) =>
    searchResources(store, parseSearchRequest(type, [...new URLSearchParams(query)], { strict, defaultCount: 100 }));
  const ids = async (type: string, query: string) => (await search(type, query)).matches.map((v) => v.id).sort();
  const warnings = async (type: string, query: string) => (await search(type, query)).warnings.map((w) => w.diagnostics ?? '');

  it(':in and :not-in use the stored ValueSet: listed codes, nested ValueSets, excludes and a stored expansion', async () => {
    assert.deepEqual(await ids('Condition', 'code:in=http://vitrine.test/ValueSet/ab'), ['c-a', 'c-b']);
    assert.deepEqual(await ids('Condition', 'code:not-in=http://vitrine.test/ValueSet/ab'), ['c-c', 'c-uri', 'c-uri-top']);
    assert.deepEqual(await ids('Condition', 'code:in=http://vitrine.test/ValueSet/nested'), ['c-b', 'c-c']);
    assert.deepEqual(await ids('Condition', 'code:in=http://vitrine.test/ValueSet/expanded'), ['c-c']);
  });

  it(':in sees a changed ValueSet at once (the cached expansion is rebuilt)', async () => {
    assert.deepEqual(await ids('Condition', 'code:in=http://vitrine.test/ValueSet/ab'), ['c-a', 'c-b']);
    vid++;
    await write([valueSet('ab', { include: [{ system: EX, concept: [{ code: 'c' }] }] })], vid);
    assert.deepEqual(await ids('Condition', 'code:in=http://vitrine.test/ValueSet/ab'), ['c-c']);
    vid++;
    await write([valueSet('ab', { include: [{ system: EX, concept: [{ code: 'a' }, { code: 'b' }] }] })], vid);
    assert.deepEqual(await ids('Condition', 'code:in=http://vitrine.test/ValueSet/ab'), ['c-a', 'c-b']);
  });

  it(':in on a ValueSet the site does not know is a 400 naming the parameter', async () => {
    await assert.rejects(search('Condition', 'code:in=http://vitrine.test/ValueSet/none'), (err: unknown) => {
      assert.ok(err instanceof OperationOutcomeError);
      assert.equal(err.status, 400);
      assert.deepEqual(err.outcome.issue[0].expression, ['code:in']);
      return true;
    });
  });

  it(':below and :above on URI-like codes follow the path; on codes with no known hierarchy they match the code with a warning', async () => {
    assert.deepEqual(await ids('Condition', 'code:below=http://example.org/codes/a'), ['c-uri', 'c-uri-top']);
    assert.deepEqual(await ids('Condition', 'code:above=urn:ietf:rfc:3986|http://example.org/codes/a/b/c'), ['c-uri', 'c-uri-top']);
    assert.deepEqual(await ids('Condition', `code:below=${EX}|a`), ['c-a']);
    assert.match((await warnings('Condition', `code:below=${EX}|a`)).join(), /no hierarchy is known/);
  });

  it('_contained=false is accepted silently; true is reported, and refused under strict handling', async () => {
    assert.deepEqual(await warnings('Condition', '_contained=false'), []);
    assert.match((await warnings('Condition', '_contained=true')).join(), /_contained=true is not supported/);
    await assert.rejects(search('Condition', '_contained=true', true), (err: unknown) => err instanceof OperationOutcomeError && err.status === 400);
  });

  it('_list with a functional list is reported and ignored; a malformed id is a 400', async () => {
    assert.match((await warnings('Condition', '_list=$current-problems')).join(), /functional lists/);
    await assert.rejects(search('Condition', '_list=a/b'), (err: unknown) => err instanceof OperationOutcomeError && err.status === 400);
  });

  it(':iterate follows references beyond four levels, until nothing new is found', async () => {
    const result = await search('Organization', '_id=org0&_include:iterate=Organization:partof');
    assert.deepEqual(result.matches.map((v) => v.id), ['org0']);
    assert.deepEqual(result.included.map((v) => v.id).sort(), ['org1', 'org2', 'org3', 'org4', 'org5', 'org6']);
  });

  it('compares quantities in canonical UCUM units across prefixes, customary units and annotations', async () => {
    assert.deepEqual(await ids('Observation', `value-quantity=7.2|${UCUM}|10*9/L`), ['o-wbc']);
    assert.deepEqual(await ids('Observation', `value-quantity=16|${UCUM}|kPa`), ['o-bp']);
    assert.deepEqual(await ids('Observation', `value-quantity=68|${UCUM}|kg`), ['o-weight']);
    assert.deepEqual(await ids('Observation', `value-quantity=1.2|${UCUM}|/s`), ['o-hr']);
    assert.deepEqual(await ids('Observation', `value-quantity=gt100|${UCUM}|mm[Hg]`), ['o-bp']);
  });
});
