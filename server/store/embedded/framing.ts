/**
 * Length- and checksum-framed records, the unit of both the journal and the snapshot:
 * [u32 length][u32 crc32 of the payload][payload: UTF-8 JSON]. A crash can leave the last record of a file torn
 * (short or with a bad checksum); the reader reports that instead of failing, and fails on anything else.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const HEADER_BYTES = 8;
const READ_CHUNK_BYTES = 8 * 1024 * 1024;

/** Bytes of a room worth keeping between takes; a larger one is let go once taken. */
const ROOM_KEPT_BYTES = 64 * 1024 * 1024;

/**
 * Frames records one after another into one room that is kept and reused: the journal's records go to disk from
 * it, so a bulk load allocates no buffer per commit. A buffer a commit (~5 MB) counted as V8 external memory and
 * made it run extra collections ("external memory pressure", ~20 a 600-patient ingest), and was a copy.
 * Each part is encoded once, into room for the most UTF-8 it can need (3 bytes a UTF-16 unit), instead of being
 * measured first (a pass that cost as much as the encoding).
 */
export class FrameRoom {
  private room = Buffer.alloc(0);
  private used = 0;

  /** Frames the JSON text that the parts make when joined, without joining them (a bulk load's are megabytes). */
  add(parts: readonly string[]): void {
    let units = 0;
    for (const part of parts) units += part.length;
    this.ensure(HEADER_BYTES + 3 * units);
    const start = this.used;
    let at = start + HEADER_BYTES;
    for (const part of parts) at += this.room.write(part, at, 'utf8');
    this.room.writeUInt32LE(at - start - HEADER_BYTES, start);
    this.room.writeUInt32LE(crc32(this.room.subarray(start + HEADER_BYTES, at)), start + 4);
    this.used = at;
  }

  /** The records added since the last take, in order. The bytes are valid until the next add. */
  take(): Buffer {
    const records = this.room.subarray(0, this.used);
    this.used = 0;
    if (this.room.length > ROOM_KEPT_BYTES) this.room = Buffer.alloc(0);
    return records;
  }

  private ensure(more: number): void {
    if (this.room.length - this.used >= more) return;
    const grown = Buffer.allocUnsafe(Math.max(this.used + more, Math.min(2 * this.room.length, ROOM_KEPT_BYTES)));
    this.room.copy(grown, 0, 0, this.used);
    this.room = grown;
  }
}

export interface FrameReadResult {
  /** Bytes from the start of the file up to the end of the last intact record. */
  intactLength: number;
  /** Why the bytes after `intactLength` were ignored, if there were any. */
  tornTail?: string;
}

export class CorruptRecordError extends Error {}

/**
 * Calls `onRecord` with each record's JSON text in file order. A damaged record that is the last thing in the
 * file is a torn tail (reported, not thrown); a damaged record followed by more bytes is corruption and throws.
 */
export async function readFramedRecords(path: string, onRecord: (json: string) => void): Promise<FrameReadResult> {
  const file = await open(path, 'r');
  try {
    const fileSize = (await file.stat()).size;
    let buffered = Buffer.alloc(0);
    let bufferedStart = 0; // file offset of buffered[0]
    let readOffset = 0;
    for (;;) {
      const header = buffered.length >= HEADER_BYTES ? buffered : undefined;
      const length = header ? header.readUInt32LE(0) : -1;
      const haveWholeRecord = header !== undefined && buffered.length >= HEADER_BYTES + length;
      if (!haveWholeRecord) {
        if (readOffset >= fileSize) {
          if (buffered.length === 0) return { intactLength: bufferedStart };
          return { intactLength: bufferedStart, tornTail: `${buffered.length} trailing bytes form no complete record` };
        }
        const want = Math.max(READ_CHUNK_BYTES, length + HEADER_BYTES - buffered.length);
        const chunk = Buffer.allocUnsafe(Math.min(want, fileSize - readOffset));
        const { bytesRead } = await file.read(chunk, 0, chunk.length, readOffset);
        readOffset += bytesRead;
        buffered = buffered.length === 0 ? chunk.subarray(0, bytesRead) : Buffer.concat([buffered, chunk.subarray(0, bytesRead)]);
        continue;
      }
      const recordEnd = HEADER_BYTES + length;
      const payload = buffered.subarray(HEADER_BYTES, recordEnd);
      const damage = describeDamage(length, header.readUInt32LE(4), payload);
      if (damage) {
        const isLast = bufferedStart + recordEnd >= fileSize;
        if (isLast || (await isZeroFilled(file, bufferedStart, fileSize))) {
          return { intactLength: bufferedStart, tornTail: damage };
        }
        throw new CorruptRecordError(
          `${path}: the record at byte ${bufferedStart} is corrupt (${damage}) and is followed by more records; ` +
            'the file was damaged after it was written',
        );
      }
      onRecord(payload.toString('utf8'));
      buffered = buffered.subarray(recordEnd);
      bufferedStart += recordEnd;
    }
  } finally {
    await file.close();
  }
}

// Some file systems extend a file with zeros when a crash interrupts an append; that is a torn tail too.
async function isZeroFilled(file: FileHandle, from: number, to: number): Promise<boolean> {
  const chunk = Buffer.allocUnsafe(Math.min(READ_CHUNK_BYTES, to - from));
  for (let offset = from; offset < to; ) {
    const { bytesRead } = await file.read(chunk, 0, Math.min(chunk.length, to - offset), offset);
    if (bytesRead === 0) break;
    if (chunk.subarray(0, bytesRead).some((byte) => byte !== 0)) return false;
    offset += bytesRead;
  }
  return true;
}

function describeDamage(length: number, expectedCrc: number, payload: Buffer): string | undefined {
  // A zero length is what a file extended with zeros by a crash looks like; no real record is empty.
  if (length === 0) return 'empty record';
  if (crc32(payload) !== expectedCrc) return 'checksum mismatch';
  return undefined;
}
