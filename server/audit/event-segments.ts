/**
 * The audit trail on disk: AuditEvents as newline-delimited JSON in numbered segment files
 * (`events-000001.ndjson`, ...), only ever appended to, a new segment begun once the current one is full. A batch
 * is one write and one fdatasync: nothing is reported written before its bytes are on disk. A crash can leave the
 * end of the last segment torn (a partial line); that tail was never reported written and is cut off at open.
 * Each event is found again by where it is (segment, offset, length), so bodies stay on disk, not in memory.
 * https://github.com/ndjson/ndjson-spec
 */
import { mkdir, open, readdir, stat, type FileHandle } from 'node:fs/promises';
import { join } from 'node:path';

const SEGMENT_NAME = /^events-(\d{6})\.ndjson$/;
const NEWLINE = 0x0a;
/** Events read together when they lie within this many bytes, and runs read at once. */
const RUN_BYTES = 4 * 1024 * 1024;
const READS_AT_ONCE = 8;
/** A segment is closed once it holds this many bytes (a batch is never split across two). */
export const DEFAULT_SEGMENT_BYTES = 64 * 1024 * 1024;

/** Where one event's JSON text is: a segment's number, the byte offset in it, and the length in bytes. */
export interface EventLocation {
  segment: number;
  offset: number;
  length: number;
}

/** The first bytes of a segment that hold its events at open (appends after the open are not included). */
export interface SegmentExtent {
  segment: number;
  bytes: number;
}

export class EventSegments {
  private readers = new Map<number, Promise<FileHandle>>();
  /** Lines taken but not yet written, by segment, oldest first. */
  private queued: { segment: number; lines: string[] }[] = [];
  /** Where the next line taken goes. */
  private tail: { segment: number; size: number };
  /** Lines taken so far, and how many of them are on disk (always the first ones). */
  private taken = 0;
  private durable = 0;
  private waiting: { taken: number; resolve(): void; reject(err: Error): void }[] = [];
  private draining = false;
  private failure: Error | undefined;

  private constructor(
    private readonly dir: string,
    private readonly segmentBytes: number,
    private number: number,
    private file: FileHandle,
    size: number,
  ) {
    this.tail = { segment: number, size };
  }

  /**
   * Opens the segments in `dir` for appending, after cutting a torn tail off the last one. Also returns the extents
   * of the events already there (readExtent reads one), oldest first.
   */
  static async open(dir: string, segmentBytes = DEFAULT_SEGMENT_BYTES): Promise<{ segments: EventSegments; existing: SegmentExtent[]; cutBytes: number }> {
    await mkdir(dir, { recursive: true });
    const numbers = (await readdir(dir)).flatMap((name) => SEGMENT_NAME.exec(name)?.[1] ?? []).map(Number).sort((a, b) => a - b);
    const created = numbers.length === 0;
    const last = numbers.pop() ?? 1;
    const file = await open(segmentPath(dir, last), 'a+');
    if (created) await syncDirectory(dir);
    const { size } = await file.stat();
    const intact = await intactLength(file, size);
    if (intact < size) {
      await file.truncate(intact);
      await file.sync();
    }
    const existing = await Promise.all(numbers.map(async (segment) => ({ segment, bytes: (await stat(segmentPath(dir, segment))).size })));
    existing.push({ segment: last, bytes: intact });
    return { segments: new EventSegments(dir, segmentBytes, last, file, intact), existing, cutBytes: size - intact };
  }

  /**
   * Takes one event's line (a JSON text without newlines) to append and says where it will be; it is written with
   * the lines taken while the previous write ran, in one write and one fdatasync. `flush` tells when it is durable.
   */
  get durableLines(): number {
    return this.durable;
  }

  take(line: string): EventLocation {
    if (this.failure) throw this.failure;
    if (this.tail.size >= this.segmentBytes) this.tail = { segment: this.tail.segment + 1, size: 0 };
    const location = { segment: this.tail.segment, offset: this.tail.size, length: Buffer.byteLength(line) };
    this.tail.size += location.length + 1;
    const last = this.queued[this.queued.length - 1];
    if (last?.segment === location.segment) last.lines.push(line);
    else this.queued.push({ segment: location.segment, lines: [line] });
    this.taken++;
    if (!this.draining) void this.drain();
    return location;
  }

  /** Resolves once every line taken so far is on disk; rejects if a write failed. */
  flush(): Promise<void> {
    if (this.failure) return Promise.reject(this.failure);
    if (this.durable === this.taken) return Promise.resolve();
    return new Promise((resolve, reject) => this.waiting.push({ taken: this.taken, resolve, reject }));
  }

  private async drain(): Promise<void> {
    this.draining = true;
    try {
      while (this.queued.length > 0) {
        const groups = this.queued;
        this.queued = [];
        let lines = 0;
        for (const group of groups) {
          if (group.segment !== this.number) await this.rotate(group.segment);
          const bytes = Buffer.from(`${group.lines.join('\n')}\n`, 'utf8');
          let written = 0;
          while (written < bytes.length) written += (await this.file.write(bytes, written, bytes.length - written)).bytesWritten;
          lines += group.lines.length;
        }
        await this.file.datasync();
        this.durable += lines;
        this.waiting = this.waiting.filter((w) => (w.taken <= this.durable ? void w.resolve() : true));
      }
    } catch (err) {
      // A failed write may have left part of a line: appending after it would bury it mid-segment. Refuse more.
      this.failure = new Error(`audit log: a segment could not be written (${(err as Error).message}); reopen the log`, { cause: err });
      for (const w of this.waiting) w.reject(this.failure);
      this.waiting = [];
      this.queued = [];
    } finally {
      this.draining = false;
    }
  }

  /** The JSON texts of the events at these locations, in the same order. */
  async read(locations: readonly EventLocation[]): Promise<string[]> {
    const texts = new Array<string>(locations.length);
    // Events close together (many of a segment, as a scan wants) are read in long runs, a few at a time.
    const order = locations.map((_, i) => i).sort((a, b) => locations[a].segment - locations[b].segment || locations[a].offset - locations[b].offset);
    const runs: number[][] = [];
    for (const i of order) {
      const run = runs[runs.length - 1];
      const last = run && locations[run[run.length - 1]];
      const at = locations[i];
      if (last && last.segment === at.segment && at.offset + at.length - locations[run[0]].offset <= RUN_BYTES) run.push(i);
      else runs.push([i]);
    }
    for (let r = 0; r < runs.length; r += READS_AT_ONCE) {
      await Promise.all(runs.slice(r, r + READS_AT_ONCE).map((run) => this.readRun(run.map((i) => locations[i])).then((read) => run.forEach((i, k) => (texts[i] = read[k])))));
    }
    return texts;
  }

  /** Events of one segment, in offset order, read with one read of the bytes from the first to the last. */
  private async readRun(run: EventLocation[]): Promise<string[]> {
    const { segment, offset: start } = run[0];
    const end = run[run.length - 1].offset + run[run.length - 1].length;
    const buffer = Buffer.allocUnsafe(end - start);
    const { bytesRead } = await (await this.reader(segment)).read(buffer, 0, end - start, start);
    if (bytesRead !== end - start) throw new Error(`audit log: ${segmentPath(this.dir, segment)} ends before the event at byte ${start}`);
    return run.map(({ offset, length }) => buffer.toString('utf8', offset - start, offset - start + length));
  }

  /** The events of an extent, in order, with where each is. */
  async readExtent({ segment, bytes }: SegmentExtent): Promise<{ json: string; location: EventLocation }[]> {
    const buffer = await readBytes(await this.reader(segment), bytes);
    const events = [];
    for (let start = 0; start < bytes; ) {
      const end = buffer.indexOf(NEWLINE, start);
      events.push({ json: buffer.toString('utf8', start, end), location: { segment, offset: start, length: end - start } });
      start = end + 1;
    }
    return events;
  }

  async close(): Promise<void> {
    await this.flush().catch(() => undefined);
    const readers = [...this.readers.values()];
    this.readers.clear();
    await Promise.all(readers.map(async (reader) => (await reader).close()));
    await this.file.close();
  }

  private reader(segment: number): Promise<FileHandle> {
    let reader = this.readers.get(segment);
    if (!reader) this.readers.set(segment, (reader = open(segmentPath(this.dir, segment), 'r')));
    return reader;
  }

  private async rotate(segment: number): Promise<void> {
    await this.file.datasync(); // what went to the full segment is durable before the next one is begun
    const next = await open(segmentPath(this.dir, segment), 'a');
    await syncDirectory(this.dir); // the new segment's name is durable before anything in it is reported written
    await this.file.close();
    this.file = next;
    this.number = segment;
  }
}

/** Bytes up to the end of the last complete line whose JSON parses; what follows is a torn write. */
async function intactLength(file: FileHandle, size: number): Promise<number> {
  const bytes = await readBytes(file, size);
  let end = bytes.lastIndexOf(NEWLINE);
  while (end >= 0) {
    const start = end === 0 ? 0 : bytes.lastIndexOf(NEWLINE, end - 1) + 1;
    if (parses(bytes.toString('utf8', start, end))) return end + 1;
    end = start - 1;
  }
  return 0;
}

/** The first `size` bytes of a file. */
async function readBytes(file: FileHandle, size: number): Promise<Buffer> {
  const bytes = Buffer.allocUnsafe(size);
  for (let read = 0; read < size; ) {
    const { bytesRead } = await file.read(bytes, read, size - read, read);
    if (bytesRead === 0) throw new Error(`audit log: a segment is shorter than the ${size} bytes it held at open`);
    read += bytesRead;
  }
  return bytes;
}

function parses(text: string): boolean {
  try {
    JSON.parse(text);
    return true;
  } catch {
    return false;
  }
}

export function segmentPath(dir: string, segment: number): string {
  return join(dir, `events-${String(segment).padStart(6, '0')}.ndjson`);
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
