/** Store contract: history by resource, by type and across all types (https://hl7.org/fhir/R4/http.html#history). */
import assert from 'node:assert/strict';
import type { StoredVersion } from '../../server/store/types.ts';
import type { StoreUnderTest } from './contract.ts';
import { instant, put, remove } from './store-writes.ts';

const label = (versions: StoredVersion[]) => versions.map((v) => `${v.type}/${v.id}/${v.vid}`);

export function describeHistoryContract(t: StoreUnderTest): void {
  describe('history', function () {
    beforeEach(async function () {
      await t.store.commit([put('Patient', 'p1', { at: instant(1) })]);
      await t.store.commit([put('Observation', 'o1', { at: instant(2) })]);
      await t.store.commit([put('Patient', 'p1', { vid: 2, at: instant(3) })]);
      await t.store.commit([put('Patient', 'p2', { at: instant(4) })]);
      await t.store.commit([remove('Observation', 'o1', 2, instant(5))]);
    });

    it('lists one resource newest first', async function () {
      const { versions, total } = await t.store.history({ type: 'Patient', id: 'p1', limit: 10 });
      assert.deepEqual(label(versions), ['Patient/p1/2', 'Patient/p1/1']);
      assert.equal(total, 2);
    });

    it('lists one type newest first', async function () {
      const { versions, total } = await t.store.history({ type: 'Patient', limit: 10 });
      assert.deepEqual(label(versions), ['Patient/p2/1', 'Patient/p1/2', 'Patient/p1/1']);
      assert.equal(total, 3);
    });

    it('lists every type newest first, deletions included', async function () {
      const { versions, total } = await t.store.history({ limit: 10 });
      assert.deepEqual(label(versions), [
        'Observation/o1/2',
        'Patient/p2/1',
        'Patient/p1/2',
        'Observation/o1/1',
        'Patient/p1/1',
      ]);
      assert.equal(versions[0].deleted, true);
      assert.equal(total, 5);
    });

    it('keeps versions at or after since, and before before', async function () {
      const since = await t.store.history({ since: instant(3), limit: 10 });
      assert.deepEqual(label(since.versions), ['Observation/o1/2', 'Patient/p2/1', 'Patient/p1/2']);
      assert.equal(since.total, 3);
      const before = await t.store.history({ before: instant(4), limit: 10 });
      assert.deepEqual(label(before.versions), ['Patient/p1/2', 'Observation/o1/1', 'Patient/p1/1']);
      const window = await t.store.history({ type: 'Patient', since: instant(2), before: instant(4), limit: 10 });
      assert.deepEqual(label(window.versions), ['Patient/p1/2']);
      assert.equal(window.total, 1);
    });

    it('pages with skip and limit while reporting the full total', async function () {
      const page = await t.store.history({ skip: 2, limit: 2 });
      assert.deepEqual(label(page.versions), ['Patient/p1/2', 'Observation/o1/1']);
      assert.equal(page.total, 5);
      const pastTheEnd = await t.store.history({ type: 'Patient', id: 'p1', skip: 5, limit: 2 });
      assert.deepEqual(pastTheEnd.versions, []);
      assert.equal(pastTheEnd.total, 2);
    });

    it('is empty for a resource or type that has no versions', async function () {
      assert.deepEqual(await t.store.history({ type: 'Patient', id: 'nope', limit: 10 }), { versions: [], total: 0 });
      assert.deepEqual(await t.store.history({ type: 'Encounter', limit: 10 }), { versions: [], total: 0 });
    });
  });
}
