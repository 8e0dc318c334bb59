/** What an ingest did, per resource type: read, written, unchanged (re-ingested as it was), refused with reasons. */
export interface TypeCounts {
  read: number;
  written: number;
  unchanged: number;
  refused: number;
}

export interface IngestSummary {
  ruleSet: { name: string; version: string };
  byType: Record<string, TypeCounts>;
  /** Refusal reasons with how often each occurred (ids left out: they may identify someone). */
  reasons: Record<string, number>;
  totals: TypeCounts;
  seconds: number;
}

export class SummaryCounter {
  private readonly byType = new Map<string, TypeCounts>();
  private readonly reasons = new Map<string, number>();
  readonly totals: TypeCounts = { read: 0, written: 0, unchanged: 0, refused: 0 };
  private readonly started = performance.now();

  count(type: string, what: keyof TypeCounts, n = 1): void {
    let counts = this.byType.get(type);
    if (!counts) this.byType.set(type, (counts = { read: 0, written: 0, unchanged: 0, refused: 0 }));
    counts[what] += n;
    this.totals[what] += n;
  }

  refuse(type: string, reason: string): void {
    this.count(type, 'refused');
    this.reasons.set(reason, (this.reasons.get(reason) ?? 0) + 1);
  }

  get seconds(): number {
    return (performance.now() - this.started) / 1000;
  }

  summary(ruleSet: { name: string; version: string }): IngestSummary {
    const byType = Object.fromEntries([...this.byType].sort(([a], [b]) => a.localeCompare(b)));
    const reasons = Object.fromEntries([...this.reasons].sort((a, b) => b[1] - a[1]));
    return { ruleSet, byType, reasons, totals: { ...this.totals }, seconds: Number(this.seconds.toFixed(3)) };
  }
}

/** The summary as a table for people. */
export function formatSummary(summary: IngestSummary): string {
  const rows = Object.entries(summary.byType).map(([type, c]) => [type, c.read, c.written, c.unchanged, c.refused]);
  rows.push(['total', summary.totals.read, summary.totals.written, summary.totals.unchanged, summary.totals.refused]);
  const header = ['type', 'read', 'written', 'unchanged', 'refused'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => String(r[i]).length)));
  const line = (cells: (string | number)[]) => cells.map((c, i) => (i === 0 ? String(c).padEnd(widths[i]) : String(c).padStart(widths[i]))).join('  ');
  const rate = summary.seconds > 0 ? Math.round(summary.totals.read / summary.seconds) : summary.totals.read;
  const out = [`Ingest through ${summary.ruleSet.name} ${summary.ruleSet.version}: ${summary.totals.read} read in ${summary.seconds}s (${rate} resources/s)`, line(header), ...rows.map(line)];
  const reasons = Object.entries(summary.reasons);
  if (reasons.length > 0) out.push('Refused:', ...reasons.slice(0, 20).map(([reason, n]) => `  ${n} × ${reason}`));
  return `${out.join('\n')}\n`;
}
