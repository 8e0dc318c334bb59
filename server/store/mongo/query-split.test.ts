import assert from 'node:assert/strict';
import { Query } from 'mingo';
import type { Filter } from '../types.ts';
import { splitFilter } from './query-split.ts';

const FERRETDB_1 = { fields: false, logical: false };
const MONGODB = { fields: true, logical: true };

const docs = [
  { _id: 'a', type: 'Patient', str: [{ p: 'name', v: 'smith' }, { p: 'family', v: 'jones' }], num: [{ p: 'n', v: 5 }] },
  { _id: 'b', type: 'Patient', str: [{ p: 'family', v: 'smith' }], num: [{ p: 'n', v: 7 }, { p: 'm', v: 5 }] },
  { _id: 'c', type: 'Observation', str: [{ p: 'name', v: 'smythe' }], num: [] },
];
const ids = (filter: Filter) =>
  new Query(filter)
    .find<{ _id: string }>(docs)
    .all()
    .map((d) => d._id)
    .sort();

const filters: Record<string, Filter> = {
  'field conditions': { type: 'Patient', str: { $elemMatch: { p: 'name', v: { $regex: '^smi' } } } },
  'a range': { num: { $elemMatch: { p: 'n', v: { $gte: 5, $lt: 6 } } } },
  'a negated value': { num: { $elemMatch: { p: 'n', v: { $ne: 5 } } } },
  'an $or inside': { str: { $elemMatch: { $or: [{ p: 'family' }, { v: 'smythe' }] } } },
  'under $or': { $or: [{ str: { $elemMatch: { p: 'family', v: 'smith' } } }, { type: 'Observation' }] },
  'under $nor': { $nor: [{ str: { $elemMatch: { p: 'name', v: 'smith' } } }] },
  'in a nested $and': { $and: [{ type: 'Patient' }, { $and: [{ num: { $elemMatch: { p: 'm', v: 5 } } }] }] },
};

describe('splitFilter: $elemMatch a server cannot evaluate', function () {
  it('sends the whole filter to a server that evaluates every form', function () {
    for (const filter of Object.values(filters)) assert.deepEqual(splitFilter(filter, MONGODB), { server: filter });
  });

  for (const [name, filter] of Object.entries(filters)) {
    it(`answers like the whole filter when the server lacks it: ${name}`, function () {
      const { server, client } = splitFilter(filter, FERRETDB_1);
      assert.ok(client, 'some of the filter is left to the client');
      const candidates = ids(server);
      for (const id of ids(filter)) assert.ok(candidates.includes(id), `server part keeps ${id}`);
      assert.deepEqual(ids({ $and: [server, client] }), ids(filter));
    });
  }

  it('narrows on the server with the $elemMatch conditions loosened to dotted paths', function () {
    const { server } = splitFilter(filters['field conditions'], FERRETDB_1);
    assert.deepEqual(server, { $and: [{ type: 'Patient' }, { 'str.p': 'name' }, { 'str.v': { $regex: '^smi' } }] });
  });

  it('does not loosen a negated condition, which would drop matching documents', function () {
    const { server } = splitFilter(filters['a negated value'], FERRETDB_1);
    assert.deepEqual(server, { $and: [{ 'num.p': 'n' }] });
  });

  it('keeps a filter without document $elemMatch on the server alone', function () {
    const filter = { type: 'Patient', tok: { $elemMatch: { $eq: 'x' } }, 'str.v': { $regex: '^s' } };
    assert.deepEqual(splitFilter(filter, FERRETDB_1), { server: filter });
  });
});
