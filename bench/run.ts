/**
 * `npm run bench`: runs every `bench/*.bench.ts` (each exports async functions named bench*) and prints one
 * table of values and their ratio to the target or baseline. Times are never asserted in tests; they live here.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Bench, BenchRow } from './bench-types.ts';

const only = process.argv[2];
const dir = fileURLToPath(new URL('.', import.meta.url));
const files = readdirSync(dir).filter((f) => f.endsWith('.bench.ts') && (!only || f.includes(only))).sort();

// The MongoDB rows need a MongoDB-protocol server: without MONGODB_URL, a FerretDB is started when Go can build it.
const needsMongo = files.some((f) => f.includes('mongo') || f.includes('write-path'));
let ferret: { url: string; stop(): Promise<void> } | undefined;
if (needsMongo && !process.env.MONGODB_URL && spawnSync('go', ['version']).status === 0) {
  const { startFerretDb } = await import('../test/mongo/ferretdb.ts');
  process.stderr.write('starting FerretDB for the MongoDB rows...\n');
  ferret = await startFerretDb();
  process.env.MONGODB_URL = ferret.url;
}

const rows: (BenchRow & { group: string })[] = [];
for (const file of files) {
  const module = (await import(`./${file}`)) as Record<string, unknown>;
  for (const [name, fn] of Object.entries(module)) {
    if (!name.startsWith('bench') || typeof fn !== 'function') continue;
    process.stderr.write(`running ${file} ${name}...\n`);
    for (const row of await (fn as Bench)()) rows.push({ ...row, group: file.replace('.bench.ts', '') });
  }
}

await ferret?.stop();

const format = (n: number) => (Math.abs(n) >= 100 ? Math.round(n).toLocaleString('en-US') : n.toPrecision(3));
const table = rows.map((r) => {
  let ratio = '';
  if (r.target === 0) ratio = r.value === 0 ? 'met' : 'missed';
  else if (r.target !== undefined) ratio = `${(r.lowerIsBetter ? r.target / r.value : r.value / r.target).toFixed(2)}×`;
  return [r.group, r.name, `${format(r.value)} ${r.unit}`, r.target === undefined ? '' : `${format(r.target)} ${r.unit}`, ratio];
});
const header = ['group', 'measure', 'value', 'target/baseline', 'ratio (≥1 is better)'];
const widths = header.map((h, i) => Math.max(h.length, ...table.map((row) => row[i].length)));
const line = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i])).join('  ');
process.stdout.write(`${line(header)}\n${widths.map((w) => '-'.repeat(w)).join('  ')}\n${table.map(line).join('\n')}\n`);
