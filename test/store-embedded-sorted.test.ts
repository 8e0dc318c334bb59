/**
 * The embedded store's sorted orders (server/store/embedded/sorted-order.ts): a small sorted page of a search with
 * thousands of candidates is read by walking the type's order, and must equal what a full sort of the matches
 * gives, before and after writes that move, delete and add documents (including enough writes to merge them in).
 */
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import type { StoreWrite } from '../server/store/types.ts';
import { put, remove } from './store/store-writes.ts';

const DOCUMENTS = 6000;
const DAY = 86_400_000;

/** Deterministic spread of n over 0..m-1. */
const spread = (n: number, m: number) => (Math.imul(n ^ 0x9e3779b9, 0x85ebca6b) >>> 0) % m;

function observation(n: number, vid: number, day: number): StoreWrite {
  const date = new Date(Date.UTC(2010, 0, 1) + day * DAY);
  const tok = n % 3 === 0 ? ['code|*|x'] : ['code|*|y'];
  // Every 50th has no date: missing values sort last descending, first ascending.
  const dated = n % 50 !== 7;
  return put('Observation', `o${n}`, {
    vid,
    index: { tok, ...(dated && { dt: [{ p: 'date', lo: date, hi: date }], srt: { date }, srtHi: { date } }) },
  });
}

describe('EmbeddedStore: sorted pages from a sorted order', () => {
  let dir: string;
  let store: EmbeddedStore;
  const vids = new Map<number, number>();
  const days = new Map<number, number>();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vitrine-sorted-'));
    store = new EmbeddedStore({ dir, compactEvery: Number.MAX_SAFE_INTEGER });
    await store.open();
    const writes: StoreWrite[] = [];
    for (let n = 0; n < DOCUMENTS; n++) {
      vids.set(n, 1);
      days.set(n, spread(n, 400)); // many ties, so the _id tie-break matters
      writes.push(observation(n, 1, days.get(n)!));
    }
    await store.commit(writes);
  });
  after(async () => {
    await store.close();
    await rm(dir, { recursive: true, force: true });
  });

  const filter = { deleted: false, type: 'Observation', tok: 'code|*|y' };
  const ids = (versions: { id: string }[]) => versions.map((v) => v.id);

  /** The expected page: every match, sorted in full (a page beyond the top-k limit is never walked). */
  async function expectSame(direction: 1 | -1, limit = 10): Promise<void> {
    const path = direction === 1 ? 'srt.date' : 'srtHi.date';
    const sort: [string, 1 | -1][] = [[path, direction], ['_id', 1]];
    const page = await store.find({ filter, sort, limit });
    const all = await store.find({ filter, sort, skip: 0, limit: 5000 });
    assert.ok(all.length >= 3000);
    assert.deepEqual(ids(page), ids(all).slice(0, limit));
  }

  it('gives the same first pages as a full sort, both directions', async () => {
    await expectSame(-1);
    await expectSame(1);
    await expectSame(-1, 200);
  });

  it('stays the same as a full sort after updates, deletions and new documents, before and after merging them', async () => {
    for (const round of [50, 5000]) {
      const writes: StoreWrite[] = [];
      for (let i = 0; i < round; i++) {
        const n = spread(i + round, DOCUMENTS);
        if (writes.some((w) => w.id === `o${n}`)) continue;
        const vid = vids.get(n)! + 1;
        vids.set(n, vid);
        // Every tenth write deletes; a later round may bring the document back.
        if (i % 10 === 0) writes.push(remove('Observation', `o${n}`, vid));
        else writes.push(observation(n, vid, spread(i * 7, 500)));
      }
      for (let k = 0; k < 20; k++) writes.push(observation(DOCUMENTS + round + k, 1, 450 + k)); // new, sorting first descending
      await store.commit(writes);
      await expectSame(-1);
      await expectSame(1);
    }
  });
});
