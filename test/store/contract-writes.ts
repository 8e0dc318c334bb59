/** Store contract: create, read, versioned update, atomic commits and deletion. */
import assert from 'node:assert/strict';
import { StoreConflictError } from '../../server/store/types.ts';
import type { StoreUnderTest } from './contract.ts';
import { instant, put, remove } from './store-writes.ts';

export function describeWriteContract(t: StoreUnderTest): void {
  describe('create and read', function () {
    it('reads back the current version with its body and lastUpdated', async function () {
      await t.store.commit([put('Patient', 'p1', { body: { gender: 'female' }, at: instant(3) })]);
      const read = await t.store.read('Patient', 'p1');
      assert.ok(read);
      assert.equal(read.vid, 1);
      assert.equal(read.deleted, false);
      assert.equal(read.lastUpdated.getTime(), instant(3).getTime());
      assert.deepEqual(JSON.parse(read.json).gender, 'female');
    });

    it('returns undefined for a resource that never existed, and for an unknown version', async function () {
      await t.store.commit([put('Patient', 'p1')]);
      assert.equal(await t.store.read('Patient', 'nope'), undefined);
      assert.equal(await t.store.read('Observation', 'p1'), undefined);
      assert.equal(await t.store.readVersion('Patient', 'p1', 2), undefined);
    });
  });

  describe('update with expectedVid', function () {
    it('keeps every version readable by vid', async function () {
      await t.store.commit([put('Patient', 'p1', { body: { gender: 'female' } })]);
      await t.store.commit([put('Patient', 'p1', { vid: 2, body: { gender: 'male' } })]);
      assert.equal((await t.store.read('Patient', 'p1'))?.vid, 2);
      assert.equal(JSON.parse((await t.store.readVersion('Patient', 'p1', 1))!.json).gender, 'female');
      assert.equal(JSON.parse((await t.store.readVersion('Patient', 'p1', 2))!.json).gender, 'male');
    });

    it('rejects a stale expectedVid with StoreConflictError and keeps the stored version', async function () {
      await t.store.commit([put('Patient', 'p1')]);
      await t.store.commit([put('Patient', 'p1', { vid: 2 })]);
      await assert.rejects(t.store.commit([put('Patient', 'p1', { vid: 2, expectedVid: 1 })]), StoreConflictError);
      await assert.rejects(t.store.commit([put('Patient', 'p1')]), (err: StoreConflictError) => {
        assert.ok(err instanceof StoreConflictError);
        assert.equal(err.actualVid, 2);
        return true;
      });
      assert.equal((await t.store.read('Patient', 'p1'))?.vid, 2);
      assert.equal((await t.store.history({ type: 'Patient', id: 'p1', limit: 10 })).total, 2);
    });

    it('lets only one of two concurrent creates of the same resource succeed', async function () {
      const results = await Promise.allSettled([
        t.store.commit([put('Patient', 'p1', { body: { gender: 'female' } })]),
        t.store.commit([put('Patient', 'p1', { body: { gender: 'male' } })]),
      ]);
      assert.deepEqual(results.map((r) => r.status).sort(), ['fulfilled', 'rejected']);
      const rejected = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.ok(rejected.reason instanceof StoreConflictError);
      assert.equal((await t.store.history({ type: 'Patient', id: 'p1', limit: 10 })).total, 1);
    });
  });

  describe('concurrent commits', function () {
    it('applies every one of many concurrent commits to different resources', async function () {
      await Promise.all(Array.from({ length: 20 }, (_, i) => t.store.commit([put('Patient', `p${i}`), put('Observation', `o${i}`)])));
      assert.equal(await t.store.count({ type: 'Patient' }), 20);
      assert.equal(await t.store.count({ type: 'Observation' }), 20);
    });
  });

  describe('atomic commits', function () {
    it('changes nothing when one of 50 writes has a wrong expectedVid', async function () {
      await t.store.commit([put('Patient', 'existing')]);
      const writes = Array.from({ length: 49 }, (_, i) => put('Observation', `o${i}`));
      writes.splice(25, 0, put('Patient', 'existing', { vid: 3, expectedVid: 2 }));
      await assert.rejects(t.store.commit(writes), StoreConflictError);
      assert.equal(await t.store.count({ type: 'Observation' }), 0);
      assert.equal(await t.store.read('Observation', 'o0'), undefined);
      assert.equal((await t.store.read('Patient', 'existing'))?.vid, 1);
      assert.equal((await t.store.history({ limit: 100 })).total, 1);
    });

    it('applies every write of a commit', async function () {
      await t.store.commit(Array.from({ length: 50 }, (_, i) => put('Observation', `o${i}`)));
      assert.equal(await t.store.count({ type: 'Observation' }), 50);
    });

    it('accepts two writes to one resource only when their versions chain', async function () {
      await assert.rejects(t.store.commit([put('Patient', 'p1'), put('Patient', 'p1')]), StoreConflictError);
      assert.equal(await t.store.read('Patient', 'p1'), undefined);
      await t.store.commit([put('Patient', 'p1'), put('Patient', 'p1', { vid: 2 })]);
      assert.equal((await t.store.read('Patient', 'p1'))?.vid, 2);
      assert.equal((await t.store.history({ type: 'Patient', id: 'p1', limit: 10 })).total, 2);
    });
  });

  describe('delete', function () {
    it('leaves a tombstone as the current version and keeps the history', async function () {
      await t.store.commit([put('Patient', 'p1')]);
      await t.store.commit([remove('Patient', 'p1', 2)]);
      const read = await t.store.read('Patient', 'p1');
      assert.equal(read?.deleted, true);
      assert.equal(read?.vid, 2);
      assert.equal(read?.json, '');
      assert.ok(await t.store.readVersion('Patient', 'p1', 1));
      const history = await t.store.history({ type: 'Patient', id: 'p1', limit: 10 });
      assert.deepEqual(history.versions.map((v) => [v.vid, v.deleted]), [[2, true], [1, false]]);
      assert.equal(await t.store.count({ type: 'Patient', deleted: false }), 0);
      assert.equal(await t.store.count({ type: 'Patient', deleted: true }), 1);
      // Tombstones of other types are not Patient tombstones.
      await t.store.commit([put('Observation', 'o1')]);
      await t.store.commit([remove('Observation', 'o1', 2)]);
      assert.equal(await t.store.count({ type: 'Patient', deleted: true }), 1);
      assert.deepEqual((await t.store.find({ filter: { type: 'Patient', deleted: true } })).map((v) => v.id), ['p1']);
    });

    it('re-creates a deleted resource only when expecting the tombstone version', async function () {
      await t.store.commit([put('Patient', 'p1')]);
      await t.store.commit([remove('Patient', 'p1', 2)]);
      await assert.rejects(t.store.commit([put('Patient', 'p1')]), StoreConflictError);
      await t.store.commit([put('Patient', 'p1', { vid: 3 })]);
      assert.equal((await t.store.read('Patient', 'p1'))?.deleted, false);
      assert.equal(await t.store.count({ type: 'Patient', deleted: false }), 1);
    });
  });
}
