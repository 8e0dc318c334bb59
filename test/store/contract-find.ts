/** Store contract: find() and count() over MongoDB filters of the index entries, with sort and paging. */
import assert from 'node:assert/strict';
import type { Filter, StoreQuery } from '../../server/store/types.ts';
import type { StoreUnderTest } from './contract.ts';
import { commitSearchFixture } from './search-fixture.ts';
import { instant, put, refsOf } from './store-writes.ts';

const live = (type: string, filter: Filter = {}): Filter => ({ type, deleted: false, ...filter });
const march2024 = { $gte: new Date('2024-03-01T00:00:00Z'), $lt: new Date('2024-04-01T00:00:00Z') };

export function describeFindContract(t: StoreUnderTest): void {
  const found = async (query: StoreQuery) => refsOf(await t.store.find(query));
  const foundUnordered = async (filter: Filter) => (await found({ filter })).sort();

  describe('find and count', function () {
    beforeEach(async function () {
      await commitSearchFixture((writes) => t.store.commit(writes));
    });

    it('matches a token key, $in of keys and $all of keys', async function () {
      assert.deepEqual(await foundUnordered(live('Observation', { tok: 'code|http://loinc.org|8867-4' })), ['Observation/o1', 'Observation/o3']);
      assert.deepEqual(await foundUnordered(live('Observation', { tok: { $in: ['code|*|8310-5', 'code|*|0000-0'] } })), ['Observation/o2']);
      assert.deepEqual(
        await foundUnordered(live('Observation', { tok: { $all: ['code|*|8867-4', 'status||final'] }, ref: 'subject|Patient/p2' })),
        ['Observation/o3'],
      );
    });

    it('matches references and patient compartments', async function () {
      assert.deepEqual(await foundUnordered(live('Observation', { ref: 'subject|Patient/p1' })), ['Observation/o1', 'Observation/o2']);
      assert.deepEqual(await foundUnordered({ deleted: false, compartments: 'Patient/p1' }), ['Observation/o1', 'Observation/o2', 'Patient/p1']);
    });

    it('matches by _id and by id', async function () {
      assert.deepEqual(await foundUnordered({ _id: { $in: ['Patient/p2', 'Observation/o3', 'Patient/none'] } }), ['Observation/o3', 'Patient/p2']);
      assert.deepEqual(await foundUnordered({ type: 'Patient', id: 'p3' }), ['Patient/p3']);
    });

    it('matches date ranges, number ranges and string prefixes with $elemMatch', async function () {
      assert.deepEqual(
        await foundUnordered(live('Observation', { dt: { $elemMatch: { p: 'date', lo: { $gte: march2024.$gte }, hi: { $lt: march2024.$lt } } } })),
        ['Observation/o1', 'Observation/o2'],
      );
      assert.deepEqual(await foundUnordered(live('Observation', { num: { $elemMatch: { p: 'value-quantity', v: { $gt: 100 } } } })), ['Observation/o3']);
      assert.deepEqual(
        await foundUnordered(live('Observation', { num: { $elemMatch: { p: 'value-quantity', v: { $gte: 37, $lte: 38 }, code: 'Cel' } } })),
        ['Observation/o2'],
      );
      assert.deepEqual(await foundUnordered(live('Patient', { str: { $elemMatch: { p: 'name', v: { $regex: '^smith' } } } })), ['Patient/p1', 'Patient/p2']);
    });

    it("finds a composite's entries, stored under the exact name of its first part, by its wildcard names", async function () {
      const quantity = (p: string, v: Filter) => live('Observation', { num: { $elemMatch: { p, v } } });
      assert.deepEqual(await foundUnordered(quantity('code-value-quantity|http://loinc.org|8310-5', { $gt: 0 })), ['Observation/o2']);
      assert.deepEqual(await foundUnordered(quantity('code-value-quantity|*|8867-4', { $gt: 100 })), ['Observation/o3']);
      assert.equal(await t.store.count(quantity('code-value-quantity|*|8867-4', { $gt: 0 })), 2);
      assert.deepEqual(await foundUnordered(quantity('code-value-quantity|http://loinc.org|*', { $lt: 100 })), ['Observation/o1', 'Observation/o2']);
      // A name's suffix is part of what it stands for: the canonical entries answer only a canonical wildcard.
      assert.deepEqual(await foundUnordered(quantity('code-value-quantity|http://loinc.org|*', { $gt: 300 })), []);
      assert.deepEqual(await foundUnordered(quantity('code-value-quantity|http://loinc.org|*:canonical', { $gt: 300 })), ['Observation/o2']);
      assert.deepEqual(await foundUnordered(quantity('code-value-quantity|*|8310-5:canonical', { $gt: 300 })), ['Observation/o2']);
      assert.deepEqual(await foundUnordered(quantity('code-value-quantity|http://snomed.info/sct|*', { $gt: 0 })), []);
      assert.deepEqual(await foundUnordered({ $or: [quantity('code-value-quantity|*|8310-5', { $gt: 0 }), { tok: 'status||final', type: 'Observation' }] }), ['Observation/o1', 'Observation/o2', 'Observation/o3']);
    });

    it('combines conditions with $or, $nor and $exists', async function () {
      const maleOrJones = { $or: [{ tok: 'gender||male' }, { str: { $elemMatch: { p: 'name', v: 'jones' } } }] };
      assert.deepEqual(await foundUnordered(live('Patient', maleOrJones)), ['Patient/p2', 'Patient/p3']);
      assert.deepEqual(await foundUnordered(live('Patient', { $nor: [{ tok: 'gender||female' }] })), ['Patient/p2']);
      assert.deepEqual(await foundUnordered(live('Patient', { 'srt.birthdate': { $exists: false } })), ['Patient/p3']);
      assert.deepEqual(await foundUnordered(live('Patient', { 'srt.birthdate': { $exists: true } })), ['Patient/p1', 'Patient/p2']);
    });

    it('sees a tombstone only when asked for deleted documents', async function () {
      assert.deepEqual(await foundUnordered(live('Patient', { tok: 'gender||female' })), ['Patient/p1', 'Patient/p3']);
      assert.deepEqual(await foundUnordered({ type: 'Patient', deleted: true }), ['Patient/p4']);
      assert.equal(await t.store.count({ type: 'Patient' }), 4);
      assert.equal(await t.store.count(live('Patient')), 3);
    });

    it('matches the current version only, after an update changed its index entries', async function () {
      await t.store.commit([put('Observation', 'o2', { vid: 2, at: instant(9), index: { tok: ['status||final'] } })]);
      assert.deepEqual(await foundUnordered(live('Observation', { tok: 'status||preliminary' })), []);
      assert.deepEqual(await foundUnordered(live('Observation', { tok: 'status||final' })), ['Observation/o1', 'Observation/o2', 'Observation/o3']);
      assert.equal((await t.store.find({ filter: { _id: 'Observation/o2' } }))[0].vid, 2);
    });

    it('sorts by a sort key both ways, missing values first ascending and last descending', async function () {
      const ascending = await found({ filter: live('Patient'), sort: [['srt.birthdate', 1]] });
      assert.deepEqual(ascending, ['Patient/p3', 'Patient/p2', 'Patient/p1']);
      const descending = await found({ filter: live('Patient'), sort: [['srtHi.birthdate', -1]] });
      assert.deepEqual(descending, ['Patient/p1', 'Patient/p2', 'Patient/p3']);
      const byName = await found({ filter: live('Patient'), sort: [['srt.name', -1]] });
      assert.deepEqual(byName, ['Patient/p2', 'Patient/p1', 'Patient/p3']);
    });

    it('sorts by several keys, by lastUpdated and by _id', async function () {
      const byGenderThenId = await found({ filter: live('Patient'), sort: [['tok', 1], ['_id', -1]] });
      assert.deepEqual(byGenderThenId, ['Patient/p3', 'Patient/p1', 'Patient/p2']);
      const newestFirst = await found({ filter: live('Observation'), sort: [['lastUpdated', -1]] });
      assert.deepEqual(newestFirst, ['Observation/o3', 'Observation/o2', 'Observation/o1']);
    });

    it('pages sorted results with skip and limit', async function () {
      const query = { filter: { deleted: false }, sort: [['_id', 1]] as [string, 1][] };
      assert.deepEqual(await found({ ...query, skip: 1, limit: 2 }), ['Observation/o2', 'Observation/o3']);
      assert.deepEqual(await found({ ...query, skip: 5, limit: 2 }), ['Patient/p3']);
      assert.equal((await t.store.find({ filter: live('Patient'), limit: 2 })).length, 2);
    });

    it('counts index lookups and evaluated filters alike', async function () {
      assert.equal(await t.store.count(live('Observation', { tok: 'code|*|8867-4' })), 2);
      assert.equal(await t.store.count({ tok: 'code|*|8867-4' }), 2);
      assert.equal(await t.store.count(live('Observation', { num: { $elemMatch: { p: 'value-quantity', v: { $lt: 100 } } } })), 2);
      assert.equal(await t.store.count(live('Encounter')), 0);
      assert.equal(await t.store.count({ deleted: false }), 6);
      assert.equal(await t.store.count(live('Observation', { lastUpdated: { $gte: instant(6) } })), 2);
    });

    it('sorts by date sort keys', async function () {
      const byDate = await found({ filter: live('Observation'), sort: [['srt.date', 1]] });
      assert.deepEqual(byDate, ['Observation/o3', 'Observation/o1', 'Observation/o2']);
    });
  });
}
