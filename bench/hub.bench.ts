/**
 * The hub as a researcher sees it: three site processes and a hub process on loopback. Measures the hub's own
 * overhead over the slowest site (the same federated count asked of the sites directly, then through the hub)
 * and federated count throughput under 50 concurrent clients for 30 s. Target from the hub issue: overhead ≤ 5 ms p50.
 */
import autocannon from 'autocannon';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { BenchRow } from './bench-types.ts';
import { benchTransaction } from './synthetic-resources.ts';
import { freePort } from '../server/http/listen.ts';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
const LOADER = { clientId: 'bench-loader', secret: 'bench-loader-secret', role: 'internal', scope: 'system/*.cruds', demo: true };
const HUB_AT_SITE = { clientId: 'bench-hub', secret: 'bench-hub-secret', role: 'aggregate', scope: 'system/*.s', demo: true };
const RESEARCHER = { clientId: 'bench-researcher', secret: 'bench-researcher-secret', role: 'aggregate', scope: 'system/*.s', demo: true };
const QUERY = 'Patient?gender=female&_summary=count';


async function startProcess(args: string[], health: string, env: NodeJS.ProcessEnv = {}): Promise<ChildProcess> {
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/vitrine.js'), ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, ...env } });
  for (let i = 0; i < 300; i++) {
    if ((await fetch(health).then((r) => r.ok, () => false))) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGKILL');
  throw new Error(`${args[0]} did not start`);
}

async function token(origin: string, client: { clientId: string; secret: string; scope: string }): Promise<string> {
  const res = await fetch(`${origin}/auth/token`, {
    method: 'POST',
    headers: { 'Content-Type': 'application/x-www-form-urlencoded', Authorization: `Basic ${Buffer.from(`${client.clientId}:${client.secret}`).toString('base64')}` },
    body: new URLSearchParams({ grant_type: 'client_credentials', scope: client.scope }),
  });
  if (!res.ok) throw new Error(`token at ${origin}: ${res.status}`);
  return ((await res.json()) as { access_token: string }).access_token;
}

async function timed(url: string, authorization: string): Promise<number> {
  const started = performance.now();
  const res = await fetch(url, { headers: { Authorization: authorization } });
  if (!res.ok) throw new Error(`${url}: ${res.status}`);
  await res.arrayBuffer();
  return performance.now() - started;
}

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor(values.length / 2)];

export async function benchHub(): Promise<BenchRow[]> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-bench-hub-'));
  const children: ChildProcess[] = [];
  try {
    // A policy without rounding or noise and with room for the load: the bench measures speed, not the rules.
    const policy = JSON.parse(await readFile(path.join(ROOT, 'profiles/policy/default.json'), 'utf8'));
    Object.assign(policy, { rounding: 1, noise: { mechanism: 'none' }, budget: { perPeriod: 1e9, period: 'day' }, rateLimit: { perMinute: 1e8, perDay: 1e9 } });
    delete policy.$schema;
    await writeFile(path.join(dir, 'policy.json'), JSON.stringify(policy));

    const hubPort = await freePort();
    const hubOrigin = `http://127.0.0.1:${hubPort}`;
    // The sites trust the identities the hub vouches for (the researcher it asks for), checked with its keys.
    const hubAtSite = { ...HUB_AT_SITE, vouchesFor: { issuer: 'urn:vitrine:bench-hub:auth', jwksUrl: `${hubOrigin}/auth/jwks` } };
    const sites: { name: string; origin: string }[] = [];
    for (const name of ['site-a', 'site-b', 'site-c']) {
      const port = await freePort();
      const config = path.join(dir, `${name}.json`);
      await writeFile(config, JSON.stringify({
        name, port, dataDir: path.join(dir, name), logLevel: 'warn', policy: path.join(dir, 'policy.json'),
        auth: { clients: [LOADER, hubAtSite], accessTokenSeconds: 3600 }, rateLimit: { requestsPerMinute: 1e8 },
      }));
      const origin = `http://127.0.0.1:${port}`;
      children.push(await startProcess(['site', '--config', config], `${origin}/healthz`));
      sites.push({ name, origin });
      const loader = `Bearer ${await token(origin, LOADER)}`;
      for (let b = 0; b < 4; b++) {
        const res = await fetch(`${origin}/fhir`, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json', Authorization: loader, Prefer: 'return=minimal' }, body: JSON.stringify(benchTransaction(b * 100, 100, 2)) });
        if (!res.ok) throw new Error(`loading ${name}: ${res.status} ${(await res.text()).slice(0, 300)}`);
      }
    }

    const hubConfig = path.join(dir, 'hub.json');
    await writeFile(hubConfig, JSON.stringify({
      name: 'bench-hub', port: hubPort, dataDir: path.join(dir, 'hub'), logLevel: 'warn', deadlineMs: 10000,
      auth: { clients: [RESEARCHER], accessTokenSeconds: 3600 },
      sites: sites.map((s) => ({ name: s.name, url: `${s.origin}/fhir`, timeoutMs: 5000, auth: { kind: 'client-secret', clientId: HUB_AT_SITE.clientId, secretEnv: 'BENCH_HUB_SECRET' } })),
    }));
    children.push(await startProcess(['hub', '--config', hubConfig], `${hubOrigin}/healthz`, { BENCH_HUB_SECRET: HUB_AT_SITE.secret }));
    const researcher = `Bearer ${await token(hubOrigin, RESEARCHER)}`;
    const siteTokens = await Promise.all(sites.map(async (s) => `Bearer ${await token(s.origin, HUB_AT_SITE)}`));

    // Overhead: the slowest site asked directly versus the hub, one request at a time, alternating.
    const direct: number[] = [];
    const viaHub: number[] = [];
    for (let i = 0; i < 220; i++) {
      const slowest = Math.max(...(await Promise.all(sites.map((s, j) => timed(`${s.origin}/fhir/${QUERY}`, siteTokens[j])))));
      const hub = await timed(`${hubOrigin}/fhir/${QUERY}`, researcher);
      if (i >= 20) {
        direct.push(slowest);
        viaHub.push(hub);
      }
    }

    const load = await autocannon({ url: `${hubOrigin}/fhir/${QUERY}`, connections: 50, duration: 30, headers: { authorization: researcher } });
    return [
      { name: 'hub overhead over the slowest site, p50 (federated count, 3 sites)', value: median(viaHub) - median(direct), unit: 'ms', target: 5, lowerIsBetter: true },
      { name: 'federated count via the hub, p50', value: median(viaHub), unit: 'ms' },
      { name: 'slowest of 3 sites asked directly, p50', value: median(direct), unit: 'ms' },
      { name: 'federated counts under 50 concurrent clients for 30 s', value: load.requests.average, unit: 'req/s' },
      { name: 'federated count latency p99 under that load', value: load.latency.p99, unit: 'ms' },
      { name: 'errors under that load (non-2xx + failed)', value: load.non2xx + load.errors + load.timeouts, unit: 'requests', target: 0, lowerIsBetter: true },
    ];
  } finally {
    for (const child of children) child.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    await rm(dir, { recursive: true, force: true });
  }
}
