/**
 * The append-only ledger of aggregate queries: who asked what, when, what was released (never a suppressed
 * cell's true value), the budget spent, or the rule that refused it. One JSON line per query, fsync'd before the
 * answer leaves, each line carrying the hash of the one before, so an edit or a removed line is evident. It is
 * replayed at start to restore each caller's spent budget; no API writes to it except by appending.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import path from 'node:path';

export interface LedgerEntry {
  seq: number;
  at: string;
  caller: string;
  role: string;
  operation: string;
  /** The canonical query. */
  query: string;
  /** Released values by cell id; suppressed cells as the string "suppressed". */
  released?: Record<string, number | string>;
  /** Budget period key ("2025-03-14" for a daily period) and the epsilon charged. */
  period: string;
  cost: number;
  /** The caller's budget left in the period after this entry. */
  budgetLeft?: number;
  /** A keyed fingerprint of (query, true values): equal for a repeat, revealing nothing without the site key. */
  fingerprint?: string;
  repeat?: boolean;
  refused?: string;
  prevHash: string;
  hash: string;
}

export type NewLedgerEntry = Omit<LedgerEntry, 'seq' | 'at' | 'prevHash' | 'hash'>;

export class ReleaseLedger {
  private readonly entries: LedgerEntry[] = [];
  private lastHash = 'genesis';
  private handle?: FileHandle;
  private tail: Promise<unknown> = Promise.resolve();
  private readonly listeners: ((entry: LedgerEntry) => void)[] = [];
  /** Entries written (or replayed) so far; later ones are still on their way to the file. */
  private durable = 0;

  /** `file` undefined: kept in memory only (a site without a data directory; budgets then reset at restart). */
  constructor(private readonly file?: string) {}

  /** Replays the journal; a torn last line (a crash mid-append) is ignored. */
  async open(): Promise<void> {
    if (!this.file) return;
    mkdirSync(path.dirname(this.file), { recursive: true });
    let text = '';
    try {
      text = readFileSync(this.file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    for (const line of text.split('\n')) {
      if (!line) continue;
      try {
        const entry = JSON.parse(line) as LedgerEntry;
        this.entries.push(entry);
        this.lastHash = entry.hash;
        this.durable = this.entries.length;
      } catch {
        break;
      }
    }
    this.handle = await open(this.file, 'a');
  }

  async close(): Promise<void> {
    await this.tail;
    await this.handle?.close();
    this.handle = undefined;
  }

  /** Appends an entry durably (written and fsync'd) before resolving. */
  append(input: NewLedgerEntry): Promise<LedgerEntry> {
    const body = { ...input, seq: this.entries.length + 1, at: new Date().toISOString(), prevHash: this.lastHash };
    const entry: LedgerEntry = { ...body, hash: createHash('sha256').update(JSON.stringify(body)).digest('hex') };
    this.entries.push(entry);
    this.lastHash = entry.hash;
    const write = this.tail.then(async () => {
      if (this.handle) {
        await this.handle.write(`${JSON.stringify(entry)}\n`);
        await this.handle.datasync();
      }
      this.durable = entry.seq;
      for (const listener of this.listeners) listener(entry);
    });
    this.tail = write.catch(() => undefined);
    return write.then(() => entry);
  }

  /**
   * Calls `listener` with every entry appended from now on, once it is durable (the audit trail mirrors the
   * ledger this way), and returns the entries already there, so the caller can catch up without a gap.
   */
  subscribe(listener: (entry: LedgerEntry) => void): LedgerEntry[] {
    this.listeners.push(listener);
    return this.entries.slice(0, this.durable);
  }

  /** Epsilon a caller spent in a period. */
  spent(caller: string, period: string): number {
    let total = 0;
    for (const e of this.entries) if (e.caller === caller && e.period === period) total += e.cost;
    return total;
  }

  /** Whether this caller already received an answer with this fingerprint (same query over the same true values). */
  hasFingerprint(caller: string, fingerprint: string): boolean {
    return this.entries.some((e) => e.caller === caller && e.fingerprint === fingerprint && !e.refused);
  }

  /** Entries, oldest first, optionally for one caller and since an instant. */
  list(filter: { caller?: string; since?: string } = {}): LedgerEntry[] {
    return this.entries.filter((e) => (!filter.caller || e.caller === filter.caller) && (!filter.since || e.at >= filter.since));
  }

  /** True when every entry's hash matches its content and links to the one before. */
  verifyChain(): boolean {
    let prev = 'genesis';
    for (const { hash, ...body } of this.entries) {
      if (body.prevHash !== prev || createHash('sha256').update(JSON.stringify(body)).digest('hex') !== hash) return false;
      prev = hash;
    }
    return true;
  }
}
