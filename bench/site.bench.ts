/**
 * The site over HTTP, as a client sees it: transaction writes through validation, indexing and the embedded store,
 * and read by id under load (autocannon on loopback, the site in its own process). Targets from the site issue.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './bench-types.ts';
import { benchTransaction } from './synthetic-resources.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** CPU seconds a process has used so far (user + system), from /proc: on a shared machine, the cost that is ours. */
async function cpuSeconds(pid: number): Promise<number> {
  const fields = (await readFile(`/proc/${pid}/stat`, 'utf8')).split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) / 100; // utime and stime, in clock ticks of 1/100 s
}

async function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const server = createServer().listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

/** The bench's own client: a site-internal loader, with a demo secret so the bench can get its token simply. */
const BENCH_CLIENT = { clientId: 'bench', secret: 'bench-secret', role: 'internal', scope: 'system/*.cruds', demo: true };

async function startSiteProcess(dir: string): Promise<{ base: string; child: ChildProcess; token: string }> {
  const port = await freePort();
  const config = path.join(dir, 'site.json');
  await writeFile(
    config,
    JSON.stringify({
      name: 'bench',
      port,
      dataDir: path.join(dir, 'data'),
      limits: { maxBundleEntries: 20000 },
      auth: { clients: [BENCH_CLIENT], accessTokenSeconds: 3600 },
      // The load comes from one client: the per-client limit would otherwise be what is measured.
      rateLimit: { requestsPerMinute: 10_000_000 },
    }),
  );
  // BENCH_SITE_NODE_ARGS (e.g. `--cpu-prof --cpu-prof-dir=/tmp/prof`) profiles the site process alone.
  const nodeArgs = process.env.BENCH_SITE_NODE_ARGS?.split(' ').filter(Boolean) ?? [];
  const child = spawn(process.execPath, [...nodeArgs, path.join(ROOT, 'bin/vitrine.js'), 'site', '--config', config], { stdio: ['ignore', 'ignore', 'inherit'] });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 200; i++) {
    try {
      if ((await fetch(`${base}/healthz`)).ok) return { base: `${base}/fhir`, child, token: await benchToken(base) };
    } catch {
      // not listening yet
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error('the site did not start');
}

async function benchToken(origin: string): Promise<string> {
  const res = await fetch(`${origin}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${BENCH_CLIENT.clientId}:${BENCH_CLIENT.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: BENCH_CLIENT.scope }),
  });
  if (!res.ok) throw new Error(`bench token: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

export async function benchSiteHttp(): Promise<BenchRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-bench-site-'));
  const { base, child, token } = await startSiteProcess(dir);
  const authorization = `Bearer ${token}`;
  try {
    // Transactions of 50 patients × 9 observations (500 resources), the shape of a loader's batch.
    const bundles = Array.from({ length: 12 }, (_, b) => JSON.stringify(benchTransaction(b * 50, 50, 9)));
    await post(base, bundles[0], authorization); // warm-up: schema compilation and JIT
    const started = performance.now();
    const writeCpuStart = await cpuSeconds(child.pid!);
    let resources = 0;
    const locations: string[] = [];
    for (const body of bundles.slice(1)) {
      const response = (await post(base, body, authorization)) as { entry: { response: { location: string } }[] };
      resources += response.entry.length;
      for (const e of response.entry) locations.push(new URL(e.response.location).pathname.replace(/\/_history\/\d+$/, ''));
    }
    const writesPerSecond = resources / ((performance.now() - started) / 1000);
    const writesPerCpuSecond = resources / (await cpuSeconds(child.pid!) - writeCpuStart);

    const paths = locations.filter((_, i) => i % 7 === 0).slice(0, 500);
    let next = 0;
    const load = (duration: number) =>
      autocannon({
        url: base.replace(/\/fhir$/, ''),
        connections: 16,
        duration,
        headers: { authorization },
        requests: [{ method: 'GET', setupRequest: (req) => ({ ...req, path: paths[next++ % paths.length] }) }],
      });
    await load(2); // warm-up
    const readCpuStart = await cpuSeconds(child.pid!);
    const result = await load(6);
    const readsPerCpuSecond = result.requests.total / (await cpuSeconds(child.pid!) - readCpuStart);
    if (result.non2xx > 0) throw new Error(`${result.non2xx} reads failed`);
    return [
      { name: 'create in a transaction (500-resource Bundles, validated, indexed, journaled)', value: writesPerSecond, unit: 'resources/s', target: 3000 },
      { name: '  the same, per CPU-second of the site process', value: writesPerCpuSecond, unit: 'resources/cpu-s', target: 3000 },
      { name: 'read by id over HTTP (16 connections)', value: result.requests.average, unit: 'req/s', target: 5000 },
      { name: '  the same, per CPU-second of the site process', value: readsPerCpuSecond, unit: 'req/cpu-s', target: 5000 },
      { name: 'read by id latency p99', value: result.latency.p99, unit: 'ms', target: 20, lowerIsBetter: true },
    ];
  } finally {
    child.kill('SIGTERM');
    await new Promise((r) => child.once('exit', r));
    await rm(dir, { recursive: true, force: true });
  }
}

async function post(base: string, body: string, authorization: string): Promise<unknown> {
  const res = await fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json', Prefer: 'return=minimal', Authorization: authorization }, body });
  if (!res.ok) throw new Error(`transaction failed: ${res.status} ${(await res.text()).slice(0, 500)}`);
  return res.json();
}
