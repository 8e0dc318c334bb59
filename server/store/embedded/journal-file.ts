/**
 * The append-only journal: each commit is one framed record, and nothing is acknowledged before its bytes are
 * on disk (fsync). Several commits that arrive while an fsync is running are appended and synced together.
 */
import { open, truncate, type FileHandle } from 'node:fs/promises';
import { readFramedRecords } from './framing.ts';

export interface StoreLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
}

export class JournalFile {
  private constructor(
    private readonly file: FileHandle,
    readonly path: string,
  ) {}

  /**
   * Reads every intact record, cuts off a torn last record (with a warning; it was never acknowledged), and opens
   * the journal for appending. Corruption before the last record is thrown: acknowledged data would be lost.
   */
  static async replayAndOpen(path: string, logger: StoreLogger, onRecord: (payload: Buffer) => void): Promise<JournalFile> {
    const file = await open(path, 'a');
    await file.close();
    const result = await readFramedRecords(path, onRecord);
    if (result.tornTail) {
      logger.warn(
        { journal: path, keptBytes: result.intactLength, reason: result.tornTail },
        'embedded store: ignoring a torn last journal record (a write interrupted by a crash, never acknowledged)',
      );
      await truncate(path, result.intactLength);
    }
    const journal = new JournalFile(await open(path, 'a'), path);
    if (result.tornTail) await journal.file.sync();
    return journal;
  }

  /** Appends framed records and returns once they are durable. */
  async appendDurably(bytes: Buffer): Promise<void> {
    let written = 0;
    while (written < bytes.length) {
      const { bytesWritten } = await this.file.write(bytes, written, bytes.length - written);
      written += bytesWritten;
    }
    await this.file.datasync();
  }

  /** Empties the journal once a snapshot holds everything in it. */
  async truncate(): Promise<void> {
    await this.file.truncate(0);
    await this.file.sync();
  }

  async close(): Promise<void> {
    await this.file.close();
  }
}
