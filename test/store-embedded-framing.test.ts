/** The journal's framing: records framed into one reused room read back intact, in order, at any size. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CorruptRecordError, decodePayload, FrameRoom, readFramedRecords } from '../server/store/embedded/framing.ts';

describe('FrameRoom', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vitrine-framing-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  async function readBack(bytes: Buffer): Promise<string[]> {
    const path = join(dir, 'records');
    await writeFile(path, bytes);
    const texts: string[] = [];
    const result = await readFramedRecords(path, (payload) => texts.push(payload.toString('utf8')));
    assert.equal(result.tornTail, undefined);
    assert.equal(result.intactLength, bytes.length);
    return texts;
  }

  it('frames the joined text of each record, several to a take, multi-byte UTF-8 included', async () => {
    const room = new FrameRoom();
    room.add(['{"a":', '"é \u2028 😀"', '}']);
    room.add(['[]']);
    assert.deepEqual(await readBack(Buffer.from(room.take())), ['{"a":"é \u2028 😀"}', '[]']);
  });

  it('keeps the records already added when a larger one makes the room grow', async () => {
    const room = new FrameRoom();
    room.add(['"small"']);
    const large = JSON.stringify('x'.repeat(300_000));
    room.add([large.slice(0, 1000), large.slice(1000)]);
    assert.deepEqual(await readBack(Buffer.from(room.take())), ['"small"', large]);
  });

  it('starts afresh after a take: the next take holds only the records added since', async () => {
    const room = new FrameRoom();
    room.add(['1']);
    assert.deepEqual(await readBack(Buffer.from(room.take())), ['1']);
    room.add(['2']);
    room.add(['3']);
    assert.deepEqual(await readBack(Buffer.from(room.take())), ['2', '3']);
  });

  it('frames records with bodies: each body read back whole, also when the room grows in the middle of a record', async () => {
    const room = new FrameRoom();
    room.add(['{"before":1}']);
    const bodies = ['{"a":"é 😀"}', '', 'x'.repeat(300_000), '{"z":"\u2028"}'];
    room.addWithBodies({ bodies, header: (bytes) => ['{"bytes":', JSON.stringify(bytes), '}'] });
    const path = join(dir, 'records');
    await writeFile(path, Buffer.from(room.take()));
    const decoded: ReturnType<typeof decodePayload>[] = [];
    await readFramedRecords(path, (payload) => decoded.push(decodePayload(Buffer.from(payload))));
    assert.deepEqual(decoded[0], { json: '{"before":1}' });
    const withBodies = decoded[1];
    assert.ok(!('json' in withBodies));
    const { bytes } = JSON.parse(withBodies.header) as { bytes: number[] };
    assert.deepEqual(bytes, bodies.map((b) => Buffer.byteLength(b)));
    assert.deepEqual(withBodies.bodies(bytes), bodies);
  });

  it('refuses a record whose end gives no header length, and bodies longer than the record', () => {
    assert.throws(() => decodePayload(Buffer.from('{"a":1}zz')), CorruptRecordError);
    const room = new FrameRoom();
    room.addWithBodies({ bodies: ['abc'], header: () => ['{}'] });
    const payload = room.take().subarray(8);
    const decoded = decodePayload(payload);
    assert.ok(!('json' in decoded));
    assert.equal(decoded.header, '{}');
    assert.throws(() => decoded.bodies([4]), CorruptRecordError);
  });
});
