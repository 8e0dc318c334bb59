/**
 * The embedded store's columns: a search that picks candidates by a token and filters them by a date range
 * answers from a column of each document's one date entry (server/store/embedded/date-column.ts), and the
 * reference keys of a `_has` come from a column of each document's one key with the prefix (reference-column.ts).
 * Answers must equal mingo's evaluation of the same filter over every document, for documents with no, one and
 * several entries, entries of other parameters, and after updates and deletes made once the columns exist (they
 * are kept up to date by writes, not rebuilt). The Patients those keys name (Store.referenceTargets, by document
 * number) must be the ones the keys' ids give, of Patients that exist: written before the keys, or after (a
 * target looked up once and missing is looked up again), never a Group with the same id.
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Query } from 'mingo';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import type { Filter, IndexEntries, StoreWrite } from '../server/store/types.ts';
import { put, remove } from './store/store-writes.ts';

// Enough that each token selects more candidates than a search needs to build a column (memory-state.ts).
const DOCUMENTS = 7500;
const DAY = 86_400_000;
const START = Date.UTC(2020, 0, 1);

/** Deterministic spread of n over 0..m-1. */
const spread = (n: number, m: number) => (Math.imul(n ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % m;

/** The date entries of document n at a version: none, one, several of `date`, one of another parameter. */
function dateEntries(n: number, vid: number): IndexEntries['dt'] {
  const day = (k: number) => new Date(START + spread(n * 7 + vid * 13 + k, 60) * DAY);
  switch (spread(n + vid, 6)) {
    case 0:
      return [];
    case 1:
      return [{ p: 'date', lo: day(0), hi: new Date(day(0).getTime() + DAY - 1) }];
    case 2:
      return [{ p: 'date', lo: day(0), hi: day(0) }, { p: 'date', lo: day(1), hi: day(1) }];
    case 3:
      return [{ p: 'issued', lo: day(0), hi: day(0) }];
    case 4:
      return [{ p: 'issued', lo: day(2), hi: day(2) }, { p: 'date', lo: day(0), hi: new Date(day(0).getTime() + 30 * DAY) }];
    default:
      return [{ p: 'date', lo: day(0), hi: day(0) }];
  }
}

/**
 * The reference keys of document n at a version: no patient, one, two (a group's members), a Group, besides others.
 */
function referenceEntries(n: number, vid: number): string[] {
  // Many patients, so that a key read for the wrong document shows in the answer.
  const patient = (k: number) => `patient|Patient/p${spread(n + k + vid, 20_000)}`;
  const others = [`encounter|Encounter/e${n}`, `performer|Practitioner/d${n % 7}`];
  const patients = [[], [patient(0)], [patient(0), patient(1)], [`patient|Group/p${spread(n + vid, 19_999)}`]][spread(n * 3 + vid, 4)];
  return [...others, ...patients];
}

/** Patients p<first>, p<first + step>, ... below p20000, and a Group of each id too. */
function patients(first: number, step: number): StoreWrite[] {
  const writes: StoreWrite[] = [];
  for (let k = first; k < 20_000; k += step) writes.push(put('Patient', `p${k}`), put('Group', `p${k}`));
  return writes;
}

function observation(n: number, vid: number): StoreWrite {
  return put('Observation', `o${n}`, { vid, index: { tok: [n % 3 === 0 ? 'code|*|x' : 'code|*|y'], dt: dateEntries(n, vid), ref: referenceEntries(n, vid) } });
}

const range = (operator: string, iso: string) => ({ [operator]: new Date(iso) });
const SEARCHES: Filter[] = [
  // Sixty days of dates, so many entries sit exactly on each bound (>= and > differ).
  { $and: [{ dt: { $elemMatch: { p: 'date', hi: range('$gte', '2020-01-11') } } }, { dt: { $elemMatch: { p: 'date', lo: range('$lt', '2020-02-01') } } }] },
  { dt: { $elemMatch: { p: 'date', lo: range('$gte', '2020-01-20'), hi: range('$lte', '2020-01-20T23:59:59.999Z') } } },
  { dt: { $elemMatch: { p: 'date', hi: range('$gt', '2020-02-10') } } },
  { dt: { $elemMatch: { p: 'issued', lo: range('$lte', '2020-01-15') } } },
  // Several limits on one bound, combined: the tighter one wins, and at an equal bound the strict one.
  {
    $and: [
      { dt: { $elemMatch: { p: 'date', lo: range('$gte', '2020-01-10') } } },
      { dt: { $elemMatch: { p: 'date', lo: range('$gt', '2020-01-10') } } },
      { dt: { $elemMatch: { p: 'date', lo: { $gte: new Date('2020-01-05'), $lt: new Date('2020-01-25') } } } },
      { dt: { $elemMatch: { p: 'date', lo: range('$lte', '2020-01-28') } } },
    ],
  },
  {
    $and: [
      { dt: { $elemMatch: { p: 'date', hi: range('$lt', '2020-02-05') } } },
      { dt: { $elemMatch: { p: 'date', hi: range('$lte', '2020-02-05') } } },
      { dt: { $elemMatch: { p: 'date', hi: range('$gt', '2020-01-03'), lo: range('$gte', '2020-01-04') } } },
      { dt: { $elemMatch: { p: 'date', hi: range('$gte', '2020-01-03') } } },
    ],
  },
  { $and: [{ dt: { $elemMatch: { p: 'date', lo: range('$gte', '2020-01-05') } } }, { id: { $in: ['o1', 'o4', 'o7', 'o10', 'o13', 'o16', 'o100'] } }] },
  // Ids out of order, repeated, unknown and deleted (o100, later): a resolved _has, picked by number.
  { $and: [{ dt: { $elemMatch: { p: 'date', hi: range('$gte', '2020-01-05') } } }, { _id: { $in: ['Observation/o7000', 'Observation/o4', 'Observation/o100', 'Observation/o4', 'Observation/none', 'Observation/o13'] } }] },
];

describe('EmbeddedStore: date conditions and _has reference keys answered from columns', () => {
  let dir: string;
  let store: EmbeddedStore;
  /** Every document's current version as mingo reads it (dates as Dates, as the filter has them). */
  const current = new Map<string, Record<string, unknown>>();

  const record = (write: StoreWrite) => current.set(`${write.type}/${write.id}`, { _id: `${write.type}/${write.id}`, type: write.type, id: write.id, deleted: write.deleted, ...write.index });
  const commit = async (writes: StoreWrite[]) => {
    await store.commit(writes);
    writes.forEach(record);
  };

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vitrine-date-column-'));
    store = new EmbeddedStore({ dir, compactEvery: Number.MAX_SAFE_INTEGER });
    await store.open();
    await commit([...Array.from({ length: DOCUMENTS }, (_, n) => observation(n, 1)), ...patients(0, 2)]);
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  async function expectSameAsMingo(): Promise<void> {
    for (const dates of SEARCHES) {
      for (const code of ['code|*|x', 'code|*|y']) {
        const filter: Filter = { deleted: false, type: 'Observation', $and: [{ tok: code }, dates] };
        const query = new Query(filter);
        const expected = [...current.values()].filter((document) => query.test(document)).map((d) => d.id as string).sort();
        const found = (await store.find({ filter })).map((v) => v.id).sort();
        assert.deepEqual(found, expected, JSON.stringify(filter));
        assert.equal(await store.count(filter), expected.length, `count ${JSON.stringify(filter)}`);
      }
    }
    for (const filter of [...SEARCHES.map((dates) => ({ $and: [{ tok: 'code|*|y' }, dates] })), { tok: 'code|*|x' }, { tok: 'code|*|y' }]) {
      const scoped: Filter = { deleted: false, type: 'Observation', ...filter };
      const query = new Query(scoped);
      const expected = new Set([...current.values()].filter((document) => query.test(document)).flatMap((d) => (d.ref as string[]).filter((key) => key.startsWith('patient|'))));
      assert.deepEqual((await store.referenceKeys(scoped, 'patient|')).sort(), [...expected].sort(), `referenceKeys ${JSON.stringify(scoped)}`);
      const named = [...expected].filter((key) => key.startsWith('patient|Patient/')).map((key) => key.slice('patient|Patient/'.length));
      const existing = named.filter((id) => current.get(`Patient/${id}`)?.deleted === false).sort();
      const targets: Filter = { deleted: false, type: 'Patient', $and: [await store.referenceTargets(scoped, 'patient|', 'Patient')] };
      assert.deepEqual((await store.find({ filter: targets })).map((v) => v.id).sort(), existing, `referenceTargets ${JSON.stringify(scoped)}`);
      assert.equal(await store.count(targets), existing.length);
    }
  }

  it('answers as mingo does over every document', async () => {
    await expectSameAsMingo();
    assert.ok((await store.count({ deleted: false, type: 'Observation', $and: [{ tok: 'code|*|y' }, SEARCHES[0]] })) > 100, 'the searches select something');
  });

  it('still does after updates that move, add and remove dates, and deletes, once the columns exist', async () => {
    const writes: StoreWrite[] = [];
    for (let n = 0; n < DOCUMENTS; n += 4) writes.push(n % 20 === 0 ? remove('Observation', `o${n}`, 2) : observation(n, 2));
    for (let k = 0; k < 20_000; k += 10) writes.push(remove('Patient', `p${k}`, 2));
    await commit(writes);
    await expectSameAsMingo();
  });

  it('gives no reference key of a deleted document, even one whose deletion carried index entries', async () => {
    // Few Conditions, so no column: the keys come from the documents themselves.
    const condition = (n: number, deleted: boolean): StoreWrite => ({
      ...put('Condition', `c${n}`, { vid: deleted ? 2 : 1, index: { tok: ['code|*|c'], ref: [`patient|Patient/c${n}`] } }),
      deleted,
    });
    await store.commit([0, 1, 2].map((n) => condition(n, false)));
    await store.commit([condition(1, true)]);
    const keys = await store.referenceKeys({ deleted: false, type: 'Condition', tok: 'code|*|c' }, 'patient|');
    assert.deepEqual(keys.sort(), ['patient|Patient/c0', 'patient|Patient/c2']);
  });

  it('reads new documents written after the columns were built', async () => {
    await commit([...Array.from({ length: 500 }, (_, i) => observation(DOCUMENTS + i, 1)), ...patients(1, 2)]);
    await expectSameAsMingo();
  });
});
