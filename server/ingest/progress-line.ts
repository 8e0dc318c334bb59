/** The progress line of `vitrine ingest` on stderr: resources read, written, refused, and the rate. */
import type { SummaryCounter } from './ingest-summary.ts';

export function progressReporter(stream: NodeJS.WriteStream = process.stderr): { update(counter: SummaryCounter): void; done(): void } {
  let last = 0;
  let shown = false;
  return {
    update(counter) {
      const now = performance.now();
      if (now - last < (stream.isTTY ? 200 : 5000)) return;
      last = now;
      const t = counter.totals;
      const rate = Math.round(t.read / Math.max(counter.seconds, 0.001));
      const bar = `${t.read} read  ${t.written} written  ${t.unchanged} unchanged  ${t.refused} refused  ${rate} resources/s`;
      stream.write(stream.isTTY ? `\r${bar}\u001b[K` : `${bar}\n`);
      shown = true;
    },
    done() {
      if (shown && stream.isTTY) stream.write('\n');
    },
  };
}
