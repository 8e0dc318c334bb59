/** A progress bar on stderr: redrawn in place on a terminal, a line per 10% otherwise (logs, CI). */

export interface Progress {
  tick(done: number, detail?: string): void;
  finish(detail?: string): void;
}

export const SILENT_PROGRESS: Progress = { tick() {}, finish() {} };

export function progressBar(label: string, total: number, stream: NodeJS.WriteStream = process.stderr): Progress {
  const started = performance.now();
  let lastDraw = 0;
  let lastDecile = -1;
  const line = (done: number, detail = '') => {
    const share = total === 0 ? 1 : done / total;
    const width = 30;
    const filled = Math.round(share * width);
    const seconds = ((performance.now() - started) / 1000).toFixed(1);
    return `${label} [${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done}/${total} ${(share * 100).toFixed(0)}% ${seconds}s ${detail}`;
  };
  return {
    tick(done, detail) {
      if (stream.isTTY) {
        const now = performance.now();
        if (now - lastDraw < 100) return;
        lastDraw = now;
        stream.write(`\r${line(done, detail)}\x1b[K`);
      } else {
        const decile = Math.floor((done / Math.max(1, total)) * 10);
        if (decile === lastDecile) return;
        lastDecile = decile;
        stream.write(`${line(done, detail)}\n`);
      }
    },
    finish(detail) {
      stream.write(`${stream.isTTY ? '\r' : ''}${line(total, detail)}${stream.isTTY ? '\x1b[K' : ''}\n`);
    },
  };
}
