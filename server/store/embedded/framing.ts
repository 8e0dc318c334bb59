/**
 * Length- and checksum-framed records, the unit of both the journal and the snapshot:
 * [u32 length][u32 crc32 of the payload][payload]. A crash can leave the last record of a file torn (short or with
 * a bad checksum); the reader reports that instead of failing, and fails on anything else.
 *
 * A payload is UTF-8 JSON text, or a record with bodies (addWithBodies): texts written as they are, then a JSON
 * header that gives each body's length in bytes, then that header's length as 8 hex digits. A JSON payload (an
 * object or an array) ends with `}` or `]`, a record with bodies with a hex digit, so a reader tells the two apart by the last byte.
 */
import { open, type FileHandle } from 'node:fs/promises';
import { crc32 } from 'node:zlib';

const HEADER_BYTES = 8;
const READ_CHUNK_BYTES = 8 * 1024 * 1024;

/** Bytes of a room worth keeping between takes; a larger one is let go once taken. */
const ROOM_KEPT_BYTES = 64 * 1024 * 1024;

/** The hex digits that end a record with bodies: its header's length in bytes. */
const BODY_HEADER_LENGTH_DIGITS = 8;
const CLOSE_BRACE = 0x7d;
const CLOSE_BRACKET = 0x5d;

/**
 * Frames records one after another into one room that is kept and reused: the journal's records go to disk from
 * it, so a bulk load allocates no buffer per commit. A buffer a commit (~5 MB) counted as V8 external memory and
 * made it run extra collections ("external memory pressure", ~20 a 600-patient ingest), and was a copy.
 */
export class FrameRoom {
  private room = Buffer.alloc(0);
  private used = 0;

  /** Frames the JSON text that the parts make when joined, without joining them (a bulk load's are megabytes). */
  add(parts: readonly string[]): void {
    const start = this.used;
    const end = this.writeParts(parts, start + HEADER_BYTES);
    this.seal(start, end);
  }

  /**
   * Frames a record with bodies (see the top of this file). Each body is written raw, so a stored resource's JSON
   * is neither escaped into a JSON string here nor unescaped at replay: a third of a bulk load's journal text.
   */
  addWithBodies(record: RecordWithBodies): void {
    const start = this.used;
    const bodyBytes: number[] = [];
    let at = start + HEADER_BYTES;
    for (const body of record.bodies) {
      const end = this.writeParts([body], at);
      bodyBytes.push(end - at);
      at = end;
    }
    const headerStart = at;
    at = this.writeParts(record.header(bodyBytes), at);
    at = this.writeParts([(at - headerStart).toString(16).padStart(BODY_HEADER_LENGTH_DIGITS, '0')], at);
    this.seal(start, at);
  }

  /** The records added since the last take, in order. The bytes are valid until the next add. */
  take(): Buffer {
    const records = this.room.subarray(0, this.used);
    this.used = 0;
    if (this.room.length > ROOM_KEPT_BYTES) this.room = Buffer.alloc(0);
    return records;
  }

  /**
   * Writes the parts from byte `at` on and returns where they end. Each part is encoded once, into room for the most
   * UTF-8 it can need, instead of being measured first; the bytes before `at` are kept if the room grows.
   */
  private writeParts(parts: readonly string[], at: number): number {
    let units = 0;
    for (const part of parts) units += part.length;
    this.ensure(at, 3 * units);
    for (const part of parts) at += this.room.write(part, at, 'utf8');
    return at;
  }

  /** Fills in the frame header of the record written from `start` (its header) to `end`, and keeps it. */
  private seal(start: number, end: number): void {
    this.room.writeUInt32LE(end - start - HEADER_BYTES, start);
    this.room.writeUInt32LE(crc32(this.room.subarray(start + HEADER_BYTES, end)), start + 4);
    this.used = end;
  }

  private ensure(at: number, more: number): void {
    if (this.room.length - at >= more) return;
    const grown = Buffer.allocUnsafe(Math.max(at + more, Math.min(2 * this.room.length, ROOM_KEPT_BYTES)));
    this.room.copy(grown, 0, 0, at);
    this.room = grown;
  }
}

/** A record written as bodies and a header (FrameRoom.addWithBodies). */
export interface RecordWithBodies {
  /** Texts written as they are, in order. */
  bodies: readonly string[];
  /** The header's JSON text in parts, given each body's length in UTF-8 bytes. */
  header(bodyBytes: readonly number[]): readonly string[];
}

/** A record with bodies read back: its header's JSON text and its bodies, in order. */
export interface BodiesAndHeader {
  header: string;
  /** The bodies, given their lengths in bytes (from the header). */
  bodies(bodyBytes: readonly number[]): string[];
}

/** A payload's JSON text, or its header and bodies when it is a record with bodies. */
export function decodePayload(payload: Buffer): { json: string } | BodiesAndHeader {
  const last = payload[payload.length - 1];
  if (last === CLOSE_BRACE || last === CLOSE_BRACKET) return { json: payload.toString('utf8') };
  const headerEnd = payload.length - BODY_HEADER_LENGTH_DIGITS;
  const headerBytes = Number.parseInt(payload.toString('latin1', headerEnd), 16);
  const headerStart = headerEnd - headerBytes;
  if (!Number.isInteger(headerBytes) || headerStart < 0) throw new CorruptRecordError('a record ends in neither JSON nor a header length');
  return {
    header: payload.toString('utf8', headerStart, headerEnd),
    bodies: (bodyBytes) => {
      const bodies: string[] = [];
      let at = 0;
      for (const bytes of bodyBytes) {
        if (at + bytes > headerStart) throw new CorruptRecordError('a record\'s bodies are longer than the record');
        bodies.push(payload.toString('utf8', at, (at += bytes)));
      }
      return bodies;
    },
  };
}

export interface FrameReadResult {
  /** Bytes from the start of the file up to the end of the last intact record. */
  intactLength: number;
  /** Why the bytes after `intactLength` were ignored, if there were any. */
  tornTail?: string;
}

export class CorruptRecordError extends Error {}

/**
 * Calls `onRecord` with each record's payload in file order (decodePayload; the bytes are valid during the call). A damaged record that is the last thing in the
 * file is a torn tail (reported, not thrown); a damaged record followed by more bytes is corruption and throws.
 */
export async function readFramedRecords(path: string, onRecord: (payload: Buffer) => void): Promise<FrameReadResult> {
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
      onRecord(payload);
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
