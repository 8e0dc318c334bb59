/**
 * The audit trail on disk: AuditEvents as newline-delimited JSON in numbered segment files
 * (`events-000001.ndjson`, ...), only ever appended to, a new segment begun once the current one is full. A batch
 * is one write and one fdatasync: nothing is reported written before its bytes are on disk. A crash can leave the
 * end of the last segment torn (a partial line); that tail was never reported written and is cut off at open.
 * https://github.com/ndjson/ndjson-spec
 */
import { mkdir, open, readdir, readFile, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const SEGMENT_NAME = /^events-(\d{6})\.ndjson$/;
const NEWLINE = 0x0a;
/** A segment is closed once it holds this many bytes (a batch is never split across two). */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

export class EventSegments {
  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private number: number,
    private file: FileHandle,
    private size: number,
  ) {}

  /**
   * Opens the segments in `dir` for appending, after cutting a torn tail off the last one. Also returns the events
   * already there, as the segments and byte counts to read back (readSegment), oldest first.
   */
  static async open(dir: string, segmentBytes = DEFAULT_SEGMENT_BYTES): Promise<{ segments: EventSegments; existing: SegmentExtent[]; cutBytes: number }> {
    await mkdir(dir, { recursive: true });
    const numbers = (await readdir(dir)).flatMap((name) => SEGMENT_NAME.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b);
    const last = numbers.pop() ?? 1;
    const path = segmentPath(dir, last);
    const file = await open(path, 'a+');
    if (numbers.length === 0) await syncDirectory(dir);
    const { size } = await file.stat();
    const intact = intactLength(await readFile(path));
    if (intact < size) {
      await file.truncate(intact);
      await file.sync();
    }
    const existing = await Promise.all(numbers.map(async (n) => ({ path: segmentPath(dir, n), bytes: (await stat(segmentPath(dir, n))).size })));
    existing.push({ path, bytes: intact });
    return { segments: new EventSegments(dir, segmentBytes, last, file, intact), existing, cutBytes: size - intact };
  }

  /** Appends one line per event (each a JSON text without newlines) and resolves once they are durable. */
  async append(lines: string[]): Promise<void> {
    if (lines.length === 0) return;
    if (this.size >= this.segmentBytes) await this.rotate();
    const bytes = Buffer.from(`${lines.join('\n')}\n`, 'utf8');
    let written = 0;
    while (written < bytes.length) written += (await this.file.write(bytes, written, bytes.length - written)).bytesWritten;
    await this.file.datasync();
    this.size += bytes.length;
  }

  async close(): Promise<void> {
    await this.file.close();
  }

  private async rotate(): Promise<void> {
    const next = await open(segmentPath(this.dir, this.number + 1), 'a');
    await syncDirectory(this.dir); // the new segment's name is durable before anything in it is reported written
    await this.file.close();
    this.file = next;
    this.number++;
    this.size = 0;
  }
}

/** Where the events of one segment are: its first `bytes` bytes (appends after the open are not included). */
export interface SegmentExtent {
  path: string;
  bytes: number;
}

/** The lines of one segment's extent, in order (each a JSON text: the torn tail was cut at open). */
export async function readSegment({ path, bytes }: SegmentExtent): Promise<string[]> {
  if (bytes === 0) return [];
  const file = await open(path, 'r');
  try {
    const buffer = Buffer.allocUnsafe(bytes);
    let read = 0;
    while (read < bytes) {
      const { bytesRead } = await file.read(buffer, read, bytes - read, read);
      if (bytesRead === 0) throw new Error(`${path} is shorter than the ${bytes} bytes it held at open`);
      read += bytesRead;
    }
    return buffer.toString('utf8', 0, bytes - 1).split('\n');
  } finally {
    await file.close();
  }
}

/** Bytes up to the end of the last complete line whose JSON parses; what follows is a torn write. */
function intactLength(bytes: Buffer): number {
  let end = bytes.lastIndexOf(NEWLINE);
  while (end >= 0) {
    const start = bytes.lastIndexOf(NEWLINE, end - 1) + 1;
    if (parses(bytes.toString('utf8', start, end))) return end + 1;
    end = start - 1;
  }
  return 0;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

function segmentPath(dir: string, n: number): string {
  return join(dir, `events-${String(n).padStart(6, '0')}.ndjson`);
}

/** Makes a new or renamed file's name durable: the directory entry is written only when the directory is synced. */
export async function syncDirectory(dir: string): Promise<void> {
  const handle = await open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
