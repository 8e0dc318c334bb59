/** Writes with coded index entries (an ingest's) are journaled and applied as the same writes as objects are. */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { decodeIndexEntries, IndexCoder } from '../server/store/embedded/coded-index.ts';
import { memoryIndexEntriesOf, MemoryState } from '../server/store/embedded/memory-state.ts';
import { FrameRoom, readFramedRecords } from '../server/store/embedded/framing.ts';
import { encodeWrite, parseJournalRecord, serializedJournalRecord, toJournaledIndexEntries, type JournalRecord } from '../server/store/embedded/record-codec.ts';
import type { SerializedCommit, StoreWrite } from '../server/store/types.ts';
import { commitSearchFixture } from './store/search-fixture.ts';
import { instant, put } from './store/store-writes.ts';

/** The writes as one SerializedCommit, coded as an ingest's prepare step codes them. */
function serialized(writes: StoreWrite[]): SerializedCommit {
  const coder = new IndexCoder();
  const coded = writes.map(({ index, ...version }) => ({ ...version, indexCoded: coder.code(toJournaledIndexEntries(index)) }));
  return { indexTable: coder.tableJson(), writes: coded };
}

async function journalRecords(file: string): Promise<JournalRecord[]> {
  const records: JournalRecord[] = [];
  await readFramedRecords(file, (payload) => records.push(parseJournalRecord(payload)));
  return records;
}

describe('EmbeddedStore serialized writes', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vitrine-serialized-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it('a journal record of a serialized commit reads back as the encoded writes, each string of its entries written once', () => {
    const shared = 'code|http://loinc.org|8867-4';
    const writes = [
      put('Observation', 'o"1', {
        vid: 3,
        at: instant(4),
        body: { note: [{ text: 'say "hi" \\ é \u2028 \n' }] },
        index: {
          compartments: ['Patient/p"1'],
          tok: ['status||final', shared],
          ref: ['subject|Patient/p"1'],
          str: [{ p: 'name', v: 'é "x"' }],
          dt: [{ p: 'date', lo: new Date(0), hi: new Date(86_399_999) }],
          num: [{ p: 'value-quantity', v: 2.5, sys: 'http://unitsofmeasure.org', code: 'mm[Hg]' }, { p: 'value', v: -0.125 }, { p: 'probability', v: Number.NaN }],
          uri: [{ p: 'url', v: 'http://x/é' }],
          txt: [{ p: 'code', v: 'heart rate' }],
          srt: { date: new Date(0), v: 2.5, code: '8867-4' },
          srtHi: { date: new Date(86_399_999), v: 2.5, code: '8867-4' },
        },
      }),
      put('Observation', 'o2', { index: { tok: [shared], srt: { a: 'x' }, srtHi: { a: 'x', b: 1 } } }),
      put('Observation', 'o3', { index: { tok: [shared], srt: { a: 1 }, srtHi: { a: 1 } } }),
      { ...put('Patient', 'p1', { at: instant(5) }), deleted: true, json: '' },
    ];
    const room = new FrameRoom();
    room.addWithBodies(serializedJournalRecord(17, serialized(writes)));
    const bytes = Buffer.from(room.take());
    // Through JSON as the object form's records hold them: NaN reads back as null in both.
    const encoded = JSON.parse(JSON.stringify({ sequence: 17, writes: writes.map(encodeWrite) })) as JournalRecord;
    assert.deepEqual(parseJournalRecord(bytes.subarray(8)), encoded);
    assert.equal(encoded.writes[1].index.srtHi?.b, 1);
    assert.deepEqual(encoded.writes[0].index.srtHiDiff, { date: 86_399_999 });
    // The stored JSON is written as it is, not escaped into a string; a string three writes use, once.
    assert.ok(bytes.includes(Buffer.from(writes[0].json)));
    assert.equal(bytes.toString('utf8').split(shared).length, 2);
  });

  it("codes a stored document's packed entries as it codes the same entries as objects (the snapshot's form)", () => {
    const state = new MemoryState();
    const write = put('Observation', 'o1', {
      index: {
        tok: ['status||final', 'code|http://loinc.org|8867-4'],
        ref: ['subject|Patient/p1'],
        compartments: ['Patient/p1'],
        str: [{ p: 'name', v: 'é' }],
        dt: [{ p: 'date', lo: new Date(1), hi: new Date(9) }],
        num: [{ p: 'value-quantity', v: 2.5, sys: 'http://unitsofmeasure.org', code: 'mm[Hg]' }, { p: 'value', v: 3 }],
        uri: [{ p: 'url', v: 'http://x' }],
        txt: [{ p: 'code', v: 'heart rate' }],
        srt: { date: new Date(1), code: '8867-4' },
        srtHi: { date: new Date(9), code: '8867-4' },
      },
    });
    state.apply(encodeWrite(write));
    const document = state.records.get('Observation/o1')!.document;
    const fromDocument = new IndexCoder();
    const fromObjects = new IndexCoder();
    const coded = fromDocument.codeDocument(document);
    assert.equal(coded, fromObjects.code(toJournaledIndexEntries(memoryIndexEntriesOf(document))));
    assert.equal(fromDocument.tableJson(), fromObjects.tableJson());
    assert.deepEqual(decodeIndexEntries(JSON.parse(fromDocument.tableJson()) as string[], coded), encodeWrite(write).index);
  });

  it('journals of srtHi only the sort keys where it differs from srt, and a replayed store sorts on it as before', async () => {
    const store = new EmbeddedStore({ dir, compactEvery: 1_000 });
    await store.open();
    const span = (id: string, lo: number, hi: number) =>
      put('Observation', id, { at: instant(1), index: { srt: { date: new Date(lo), code: 'c' }, srtHi: { date: new Date(hi), code: 'c' } } });
    // srtHi naming a parameter srt does not: journaled whole.
    const odd = put('Observation', 'odd', { at: instant(1), index: { srt: { date: new Date(4) }, srtHi: { date: new Date(4), extra: 'x' } } });
    await store.commitSerialized(serialized([span('one-day', 5, 5), span('long', 1, 9)]));
    await store.commit([span('plain', 3, 3), odd]);
    const indexOf = (records: JournalRecord[], id: string) => records.flatMap((r) => r.writes).find((w) => w.id === id)!.index;
    const journaled = await journalRecords(join(dir, 'journal.log'));
    assert.deepEqual([indexOf(journaled, 'one-day').srtHi, indexOf(journaled, 'one-day').srtHiDiff], [undefined, undefined]);
    assert.deepEqual([indexOf(journaled, 'long').srtHi, indexOf(journaled, 'long').srtHiDiff], [undefined, { date: 9 }]);
    assert.deepEqual([indexOf(journaled, 'odd').srtHi, indexOf(journaled, 'odd').srtHiDiff], [{ date: 4, extra: 'x' }, undefined]);
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

  it('commitSerialized journals the records commit journals (in their coded form), and the store answers alike, replayed or not', async () => {
    const stores = ['objects', 'serialized'].map((name) => new EmbeddedStore({ dir: join(dir, name), compactEvery: 1_000 }));
    await Promise.all(stores.map((s) => s.open()));
    await commitSearchFixture((writes) => stores[0].commit(writes));
    await commitSearchFixture((writes) => stores[1].commitSerialized(serialized(writes)));
    await assert.rejects(stores[1].commitSerialized(serialized([put('Patient', 'p1', { vid: 1, at: instant(9) })])), /expected version 0, found 1/);
    const journals = await Promise.all(['objects', 'serialized'].map((name) => journalRecords(join(dir, name, 'journal.log'))));
    assert.deepEqual(journals[1], journals[0]);
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
