/** Writes with serialized index entries (an ingest's) are journaled and applied as the same writes as objects are. */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { FrameRoom, type RecordWithBodies } from '../server/store/embedded/framing.ts';
import { encodeWrite, journalRecord, parseJournalRecord, serializedJournalRecord, serializeIndexEntries } from '../server/store/embedded/record-codec.ts';
import type { SerializedStoreWrite, StoreWrite } from '../server/store/types.ts';
import { commitSearchFixture } from './store/search-fixture.ts';
import { instant, put } from './store/store-writes.ts';

function serialized({ index, ...version }: StoreWrite): SerializedStoreWrite {
  return { ...version, indexJson: serializeIndexEntries(index) };
}

describe('EmbeddedStore serialized writes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vitrine-serialized-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a journal record of serialized writes is byte for byte the record of their encoded forms, and reads back as them', () => {
    const writes = [
      put('Observation', 'o"1', { vid: 3, at: instant(4), body: { note: [{ text: 'say "hi" \\ é \u2028 \n' }] }, index: { tok: ['status||final'], dt: [{ p: 'date', lo: new Date(0), hi: new Date(86_399_999) }], srt: { date: new Date(0), v: 2.5 } } }),
      { ...put('Patient', 'p1', { at: instant(5) }), deleted: true, json: '' },
    ];
    const framed = (record: RecordWithBodies) => {
      const room = new FrameRoom();
      room.addWithBodies(record);
      return Buffer.from(room.take());
    };
    const encoded = { sequence: 17, writes: writes.map(encodeWrite) };
    const bytes = framed(serializedJournalRecord(17, writes.map(serialized)));
    assert.ok(bytes.equals(framed(journalRecord(encoded))));
    assert.deepEqual(parseJournalRecord(bytes.subarray(8)), encoded);
    // The stored JSON is written as it is, not escaped into a string.
    assert.ok(bytes.includes(Buffer.from(writes[0].json)));
  });

  it('journals of srtHi only the sort keys where it differs from srt, and a replayed store sorts on it as before', async () => {
    const store = new EmbeddedStore({ dir, compactEvery: 1_000 });
    await store.open();
    const span = (id: string, lo: number, hi: number) =>
      put('Observation', id, { at: instant(1), index: { srt: { date: new Date(lo), code: 'c' }, srtHi: { date: new Date(hi), code: 'c' } } });
    // srtHi naming a parameter srt does not: journaled whole.
    const odd = put('Observation', 'odd', { at: instant(1), index: { srt: { date: new Date(4) }, srtHi: { date: new Date(4), extra: 'x' } } });
    await store.commitSerialized([span('one-day', 5, 5), span('long', 1, 9)].map(serialized));
    await store.commit([span('plain', 3, 3), odd]);
    const journal = (await readFile(join(dir, 'journal.log'), 'utf8')).replace(/[^\x20-\x7e]/g, '');
    assert.equal(journal.match(/"srtHiDiff"/g)?.length, 1, journal);
    assert.match(journal, /"id":"long".*"srtHiDiff":\{"date":9\}/);
    assert.equal(journal.match(/"srtHi"/g)?.length, 1, journal);
    assert.match(journal, /"id":"odd".*"srtHi":\{"date":4,"extra":"x"\}/);
    // A record as written before srtHiDiff, srtHi in full, appended for the replay.
    const older = encodeWrite(put('Observation', 'older', { at: instant(1) }));
    older.index = { ...older.index, srt: { date: 2, code: 'c' }, srtHi: { date: 7, code: 'c' } };
    const room = new FrameRoom();
    room.add([JSON.stringify({ sequence: 3, writes: [older] })]);
    await appendFile(join(dir, 'journal.log'), room.take());
    const replayed = new EmbeddedStore({ dir }); // abandoned without close(): the journal is replayed
    await replayed.open();
    try {
      for (const [s, withOlder] of [[store, false], [replayed, true]] as const) {
        const ids = (list: string[]) => list.filter((id) => withOlder || id !== 'older');
        const descending = await s.find({ filter: { type: 'Observation', deleted: false }, sort: [['srtHi.date', -1], ['_id', 1]] });
        assert.deepEqual(descending.map((v) => v.id), ids(['long', 'older', 'one-day', 'odd', 'plain']));
        const ascending = await s.find({ filter: { type: 'Observation', deleted: false }, sort: [['srt.date', 1]] });
        assert.deepEqual(ascending.map((v) => v.id), ids(['long', 'older', 'plain', 'odd', 'one-day']));
        assert.equal(await s.count({ type: 'Observation', 'srtHi.code': 'c' }), withOlder ? 4 : 3);
        assert.equal(await s.count({ type: 'Observation', 'srtHi.extra': 'x' }), 1);
      }
    } finally {
      await Promise.all([store.close(), replayed.close()]);
    }
  });

  it('commitSerialized journals what commit journals, and the store answers alike, replayed or not', async () => {
    const stores = ['objects', 'serialized'].map((name) => new EmbeddedStore({ dir: join(dir, name), compactEvery: 1_000 }));
    await Promise.all(stores.map((s) => s.open()));
    await commitSearchFixture((writes) => stores[0].commit(writes));
    await commitSearchFixture((writes) => stores[1].commitSerialized(writes.map(serialized)));
    await assert.rejects(stores[1].commitSerialized([serialized(put('Patient', 'p1', { vid: 1, at: instant(9) }))]), /expected version 0, found 1/);
    const journals = await Promise.all(['objects', 'serialized'].map((name) => readFile(join(dir, name, 'journal.log'))));
    assert.ok(journals[1].equals(journals[0]));
    // Abandoned without close(), so the second opening replays the journal.
    const replayed = new EmbeddedStore({ dir: join(dir, 'serialized') });
    await replayed.open();
    try {
      for (const store of [...stores, replayed]) {
        const born = await store.find({ filter: { type: 'Patient', deleted: false, dt: { $elemMatch: { p: 'birthdate', lo: { $lt: new Date('1979-01-01') } } } } });
        assert.deepEqual(born.map((v) => v.id), ['p2']);
        const sorted = await store.find({ filter: { type: 'Patient', deleted: false }, sort: [['srt.birthdate', -1]] });
        assert.deepEqual(sorted.map((v) => v.id), ['p1', 'p2', 'p3']);
        assert.equal(await store.count({ tok: 'code|*|8867-4' }), 2);
      }
    } finally {
      await Promise.all([...stores, replayed].map((s) => s.close()));
    }
  });
});
