/**
 * Stable paging over HTTP (https://hl7.org/fhir/R4/http.html#paging): the `next` / `previous` links page by an
 * opaque keyset cursor, so a client following them sees every match that existed at the first page exactly once
 * while other clients create and update resources between its page fetches. `_offset` keeps working.
 */
import assert from 'node:assert/strict';
import type { Bundle, Patient } from '@medplum/fhirtypes';
import { createTestSite, type TestSite } from './support/test-site.ts';

const patient = (n: number, family = `Family${n}`): Patient => ({
  resourceType: 'Patient', id: `pg${String(n).padStart(3, '0')}`, gender: 'female', birthDate: `19${String(50 + (n % 40))}-01-01`, name: [{ family }],
});

describe('search paging: cursor links under concurrent writes', () => {
  let site: TestSite;
  before(async () => {
    site = await createTestSite();
    for (let n = 0; n < 30; n++) await site.http.put(`/fhir/Patient/${patient(n).id}`).send(patient(n)).expect(201);
  });
  after(async () => site.close());

  const get = async (url: string): Promise<Bundle> => (await site.http.get(url.replace(/^https?:\/\/[^/]+/, '')).expect(200)).body as Bundle;
  const link = (bundle: Bundle, relation: string) => bundle.link?.find((l) => l.relation === relation)?.url;
  const ids = (bundle: Bundle) => (bundle.entry ?? []).filter((e) => e.search?.mode === 'match').map((e) => e.resource!.id!);

  for (const sort of ['', '&_sort=-birthdate']) {
    it(`visits each of the first page's matches once while resources are created and updated${sort ? ' (sorted by -birthdate)' : ''}`, async () => {
      const before = ids(await get(`/fhir/Patient?gender=female&_count=1000${sort}`));
      let page = await get(`/fhir/Patient?gender=female&_count=7${sort}`);
      const seen = [...ids(page)];
      let written = 0;
      for (let next = link(page, 'next'); next; next = link(page, 'next')) {
        // Another client writes between page fetches: new patients sorting anywhere, and updates of unseen ones.
        written++;
        await site.http.put(`/fhir/Patient/pg${String(written).padStart(2, '0')}${sort ? 'b' : 'a'}`).send({ ...patient(written), id: `pg${String(written).padStart(2, '0')}${sort ? 'b' : 'a'}` }).expect(201);
        const unseen = before.find((id) => !seen.includes(id) && /^pg\d{3}$/.test(id));
        if (unseen) await site.http.put(`/fhir/Patient/${unseen}`).send(patient(Number(unseen.slice(2)), `Renamed${written}`)).expect(200);
        page = await get(next);
        seen.push(...ids(page));
      }
      assert.ok(written >= 4);
      assert.deepEqual([...seen].sort(), [...before].sort());
      assert.equal(new Set(seen).size, seen.length);
    });
  }

  it('previous links walk back over the same pages', async () => {
    const forward: string[][] = [];
    let page = await get('/fhir/Patient?gender=female&_count=9&_sort=birthdate');
    forward.push(ids(page));
    for (let next = link(page, 'next'); next; next = link(page, 'next')) forward.push(ids((page = await get(next))));
    const backward: string[][] = [ids(page)];
    for (let previous = link(page, 'previous'); previous; previous = link(page, 'previous')) backward.unshift(ids((page = await get(previous))));
    assert.deepEqual(backward, forward);
    assert.ok(forward.length > 2);
  });

  it('a client that sends _offset gets offset links', async () => {
    const page = await get('/fhir/Patient?gender=female&_count=5&_offset=5');
    assert.match(link(page, 'next') ?? '', /_offset=10/);
    assert.match(link(page, 'previous') ?? '', /_offset=0/);
    assert.match(link(page, 'self') ?? '', /_offset=5/);
  });

  it('a tampered cursor, or one used with another _sort, is a 400 OperationOutcome naming _cursor', async () => {
    const first = await get('/fhir/Patient?gender=female&_count=5');
    const next = new URL(link(first, 'next')!);
    for (const url of [`/fhir/Patient?gender=female&_cursor=not-a-cursor`, `/fhir/Patient?gender=female&_sort=birthdate&_cursor=${next.searchParams.get('_cursor')}`]) {
      const res = await site.http.get(url).expect(400);
      assert.equal(res.body.resourceType, 'OperationOutcome');
      assert.deepEqual(res.body.issue[0].expression, ['_cursor']);
    }
  });
});
