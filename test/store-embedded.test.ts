/** The store contract against EmbeddedStore, and what only an embedded store does: journal, snapshot, recovery. */
import assert from 'node:assert/strict';
import { appendFile, mkdtemp, readFile, rm, stat, truncate, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { FrameRoom, readFramedRecords } from '../server/store/embedded/framing.ts';
import { toMemoryIndexEntries } from '../server/store/embedded/record-codec.ts';
import { emptyIndexEntries } from '../server/store/types.ts';
import { describeStoreContract } from './store/contract.ts';
import { commitSearchFixture } from './store/search-fixture.ts';
import { instant, put } from './store/store-writes.ts';
import { temporaryEmbeddedStore } from './store/temporary-embedded-store.ts';

async function temporaryDir(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'vitrine-embedded-'));
}

describeStoreContract('EmbeddedStore', temporaryEmbeddedStore);

/** Collects warnings so a test can assert the store said why it skipped something. */
function recordingLogger() {
  const warnings: string[] = [];
  return { warnings, info() {}, warn: (_obj: object, msg?: string) => void warnings.push(msg ?? '') };
}

/** The formatVersion in the header record of the snapshot in `dir`. */
async function snapshotFormatVersionIn(dir: string): Promise<number> {
  let version = -1;
  await readFramedRecords(join(dir, 'snapshot.dat'), (payload) => {
    if (version < 0) version = (JSON.parse(payload.toString('utf8')) as { formatVersion: number }).formatVersion;
  });
  return version;
}

describe('EmbeddedStore durability', function () {
  let dir: string;
  // Tests abandon stores without close() to act out a crash; their files are released here, newest first.
  let opened: EmbeddedStore[] = [];
  beforeEach(async function () {
    dir = await temporaryDir();
  });
  afterEach(async function () {
    for (const store of opened.reverse()) await store.close().catch(() => {});
    opened = [];
    await rm(dir, { recursive: true, force: true });
  });

  const snapshotFormatVersion = () => snapshotFormatVersionIn(dir);

  async function reopened(options: { compactEvery?: number } = {}) {
    const logger = recordingLogger();
    const store = new EmbeddedStore({ dir, logger, ...options });
    await store.open();
    opened.push(store);
    return { store, logger };
  }

  it('replays the journal at open: documents, versions, tombstones, history order and dates', async function () {
    const { store } = await reopened();
    await commitSearchFixture((writes) => store.commit(writes));
    await store.commit([put('Observation', 'o1', { vid: 2, at: instant(10), index: { tok: ['status||amended'] } })]);
    // Simulate a crash: drop the store without close(), so nothing was compacted.
    const again = (await reopened()).store;
    assert.equal((await again.read('Observation', 'o1'))?.vid, 2);
    assert.equal((await again.read('Patient', 'p4'))?.deleted, true);
    assert.equal((await again.history({ limit: 100 })).total, 9);
    assert.deepEqual((await again.find({ filter: { tok: 'status||amended' } })).map((v) => v.id), ['o1']);
    const birthdates = await again.find({ filter: { type: 'Patient', deleted: false, dt: { $elemMatch: { p: 'birthdate', lo: { $lt: new Date('1979-01-01') } } } } });
    assert.deepEqual(birthdates.map((v) => v.id), ['p2']);
    const sorted = await again.find({ filter: { type: 'Patient', deleted: false }, sort: [['srt.birthdate', -1]] });
    assert.deepEqual(sorted.map((v) => v.id), ['p1', 'p2', 'p3']);
    await again.close();
  });

  it('compacts into a snapshot, empties the journal, and reopens from the snapshot plus newer journal records', async function () {
    const { store, logger } = await reopened({ compactEvery: 2 });
    await commitSearchFixture((writes) => store.commit(writes)); // three commits: compaction after the second
    assert.ok((await stat(join(dir, 'snapshot.dat'))).size > 0);
    await store.commit([put('Patient', 'p9', { at: instant(20), index: { tok: ['gender||other'] } })]);
    await store.close();
    assert.equal((await stat(join(dir, 'journal.log'))).size, 0, 'close() compacts the rest');
    assert.deepEqual(logger.warnings, []);

    const { store: again } = await reopened();
    assert.equal(await again.count({ deleted: false }), 7);
    assert.equal((await again.read('Patient', 'p4'))?.deleted, true);
    assert.deepEqual((await again.history({ type: 'Patient', id: 'p4', limit: 10 })).versions.map((v) => v.vid), [2, 1]);
    assert.deepEqual((await again.find({ filter: { tok: 'gender||other' } })).map((v) => v.id), ['p9']);
    const sorted = await again.find({ filter: { type: 'Patient', deleted: false }, sort: [['srt.birthdate', 1], ['_id', 1]] });
    assert.deepEqual(sorted.map((v) => v.id), ['p3', 'p9', 'p2', 'p1']);
    await again.close();
  });

  it('opens a snapshot and a journal written in the all-JSON record forms of before (format 1)', async function () {
    const index = { ...toMemoryIndexEntries(emptyIndexEntries()), tok: ['status||final'] };
    const json = JSON.stringify({ resourceType: 'Observation', id: 'old', note: [{ text: 'é "quoted"' }] });
    const room = new FrameRoom();
    room.add([JSON.stringify({ format: 'vitrine-embedded-snapshot', formatVersion: 1, lastSequence: 4 })]);
    room.add([JSON.stringify([['Observation', 'old', 1, 1000, false, json, index]])]);
    await writeFile(join(dir, 'snapshot.dat'), room.take());
    const write = { type: 'Observation', id: 'older-journal', vid: 1, lastUpdated: 2000, deleted: false, json: '{"resourceType":"Observation"}', index };
    room.add([JSON.stringify({ sequence: 5, writes: [write] })]);
    await writeFile(join(dir, 'journal.log'), room.take());
    const { store } = await reopened();
    assert.equal((await store.read('Observation', 'old'))?.json, json);
    assert.deepEqual((await store.find({ filter: { tok: 'status||final' }, sort: [['_id', 1]] })).map((v) => v.id), ['old', 'older-journal']);
    await store.commit([put('Patient', 'new')]);
    await store.close(); // compacted: rewritten in the current format, and read back the same
    assert.equal(await snapshotFormatVersion(), 3);
    const again = (await reopened()).store;
    assert.equal((await again.read('Observation', 'old'))?.json, json);
    assert.equal(await again.count({ tok: 'status||final' }), 2);
  });

  it('opens a snapshot of format 2 (records with bodies, the entries as JSON objects)', async function () {
    const index = { ...toMemoryIndexEntries(emptyIndexEntries()), tok: ['status||final'], srt: { date: 5 }, srtHi: { date: 9 } };
    const json = JSON.stringify({ resourceType: 'Observation', id: 'two', note: [{ text: 'é "quoted"' }] });
    const room = new FrameRoom();
    room.add([JSON.stringify({ format: 'vitrine-embedded-snapshot', formatVersion: 2, lastSequence: 1 })]);
    room.addWithBodies({ bodies: [json], header: (bytes) => [JSON.stringify([['Observation', 'two', 1, 1000, false, bytes[0], index]])] });
    await writeFile(join(dir, 'snapshot.dat'), room.take());
    const { store } = await reopened();
    assert.equal((await store.read('Observation', 'two'))?.json, json);
    assert.equal(await store.count({ tok: 'status||final', 'srtHi.date': 9 }), 1);
    await store.commit([put('Patient', 'new')]);
    await store.close();
    assert.equal(await snapshotFormatVersion(), 3);
    const again = (await reopened()).store;
    assert.equal(await again.count({ tok: 'status||final', 'srt.date': 5, 'srtHi.date': 9 }), 1);
  });

  it('skips journal records a snapshot already holds (crash between snapshot rename and journal truncation)', async function () {
    const { store } = await reopened();
    await store.commit([put('Patient', 'p1')]);
    const journal = await readFile(join(dir, 'journal.log'));
    await store.close(); // compacts: snapshot holds p1, journal empty
    await writeFile(join(dir, 'journal.log'), journal); // as if truncation never happened
    const { store: again } = await reopened();
    assert.equal((await again.history({ limit: 10 })).total, 1);
    await again.close();
  });

  it('skips a torn last record with a warning and keeps every earlier commit', async function () {
    const { store } = await reopened();
    await store.commit([put('Patient', 'p1')]);
    await store.commit([put('Patient', 'p2')]);
    const journalPath = join(dir, 'journal.log');
    const { size } = await stat(journalPath);
    await truncate(journalPath, size - 5); // the second record loses its tail, as in a crash mid-write

    const { store: again, logger } = await reopened();
    assert.equal((await again.read('Patient', 'p1'))?.vid, 1);
    assert.equal(await again.read('Patient', 'p2'), undefined);
    assert.equal(logger.warnings.length, 1);
    assert.match(logger.warnings[0], /torn last journal record/);
    // The torn bytes were cut off, so later commits are not buried behind them.
    await again.commit([put('Patient', 'p3')]);
    const { store: third, logger: thirdLogger } = await reopened();
    assert.deepEqual((await third.find({ filter: { type: 'Patient' }, sort: [['_id', 1]] })).map((v) => v.id), ['p1', 'p3']);
    assert.deepEqual(thirdLogger.warnings, []);
    await third.close();
  });

  it('skips garbage appended after the last record (a crash that extended the file)', async function () {
    const { store } = await reopened();
    await store.commit([put('Patient', 'p1')]);
    await appendFile(join(dir, 'journal.log'), Buffer.alloc(100));
    const { store: again, logger } = await reopened();
    assert.equal((await again.read('Patient', 'p1'))?.vid, 1);
    assert.equal(logger.warnings.length, 1);
    await again.close();
  });

  it('refuses to open when a record in the middle of the journal is corrupt', async function () {
    const { store } = await reopened();
    await store.commit([put('Patient', 'p1')]);
    await store.commit([put('Patient', 'p2')]);
    const journalPath = join(dir, 'journal.log');
    const bytes = await readFile(journalPath);
    bytes[20] ^= 0xff; // inside the first record's JSON
    await writeFile(journalPath, bytes);
    await assert.rejects(new EmbeddedStore({ dir }).open(), /journal\.log: the record at byte 0 is corrupt/);
  });
});
