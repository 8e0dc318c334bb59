/** The journal's framing: records framed into one reused room read back intact, in order, at any size. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { FrameRoom, readFramedRecords } from '../server/store/embedded/framing.ts';

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
    const result = await readFramedRecords(path, (json) => texts.push(json));
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
});
