/**
 * The site over HTTP, as a client sees it: transaction writes through validation, indexing and the embedded store,
 * and read by id under load (autocannon on loopback, the site in its own process). Targets from the site issue.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './bench-types.ts';
import { benchTransaction } from './synthetic-resources.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

async function startSiteProcess(dir: string): Promise<{ base: string; child: ChildProcess }> {
  const port = await freePort();
  const config = path.join(dir, 'site.json');
  await writeFile(config, JSON.stringify({ name: 'bench', port, dataDir: path.join(dir, 'data'), limits: { maxBundleEntries: 20000 } }));
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/vitrine.js'), 'site', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base: `${base}/fhir`, child };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the site did not start');
}

export async function benchSiteHttp(): Promise<BenchRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-bench-site-'));
  const { base, child } = await startSiteProcess(dir);
  try {
    // Transactions of 50 patients × 9 observations (500 resources), the shape of a loader's batch.
    const bundles = Array.from({ length: 12 }, (_, b) => JSON.stringify(benchTransaction(b * 50, 50, 9)));
    await post(base, bundles[0]); // warm-up: schema compilation and JIT
    const started = performance.now();
    let resources = 0;
    const locations: string[] = [];
    for (const body of bundles.slice(1)) {
      const response = (await post(base, body)) as { entry: { response: { location: string } }[] };
      resources += response.entry.length;
      for (const e of response.entry) locations.push(new URL(e.response.location).pathname.replace(/\/_history\/\d+$/, ''));
    }
    const writesPerSecond = resources / ((performance.now() - started) / 1000);

    const paths = locations.filter((_, i) => i % 7 === 0).slice(0, 500);
    let next = 0;
    const result = await autocannon({
      url: base.replace(/\/fhir$/, ''),
      connections: 16,
      duration: 6,
      requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
    });
    if (result.non2xx > 0) throw new Error(`${result.non2xx} reads failed`);
    return [
      { name: 'create in a transaction (500-resource Bundles, validated, indexed, journaled)', value: writesPerSecond, unit: 'resources/s', target: 3000 },
      { name: 'read by id over HTTP (16 connections)', value: result.requests.average, unit: 'req/s', target: 5000 },
      { name: 'read by id latency p99', value: result.latency.p99, unit: 'ms', target: 20, lowerIsBetter: true },
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

async function post(base: string, body: string): Promise<unknown> {
  const res = await fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json', Prefer: 'return=minimal' }, body });
  if (!res.ok) throw new Error(`transaction failed: ${res.status} ${(await res.text()).slice(0, 500)}`);
  return res.json();
}
