/**
 * Durability as a client sees it: a site process killed with SIGKILL in the middle of a stream of writes keeps,
 * after restart, every write it acknowledged, and no transaction half-applied.
 */
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { fetchTestToken, writeSiteConfigWithTestClient } from './support/site-process-auth.ts';
import { freePort } from '../server/http/listen.ts';

const CLI = fileURLToPath(new URL('../bin/vitrine.js', import.meta.url));


/** Every site process this file started, killed at the end whatever happened. */
const children: ChildProcess[] = [];

async function startSite(dataDir: string, port: number): Promise<ChildProcess> {
  const config = await writeSiteConfigWithTestClient(dataDir);
  const child = spawn(process.execPath, [CLI, 'site', '--config', config, '--port', String(port), '--data', dataDir], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, VITRINE_PORT: '' },
  });
  children.push(child);
  for (let attempt = 0; attempt < 300; attempt++) {
    if (child.exitCode !== null) throw new Error(`site exited with ${child.exitCode}`);
    const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false);
    if (ok) return child;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error('site did not start');
}

function exited(child: ChildProcess): Promise<unknown> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve();
  return new Promise((r) => child.once('exit', r));
}

describe('site: crash safety (kill -9 during writes)', function () {
  this.timeout(120_000);
  let dir: string;
  before(async () => (dir = await mkdtemp(path.join(tmpdir(), 'vitrine-crash-'))));
  after(async () => {
    for (const child of children) if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged write and no half transaction after SIGKILL', async () => {
    const port = await freePort();
    const base = `http://127.0.0.1:${port}/fhir`;
    const site = await startSite(dir, port);
    // Every request carries the test client's token (the signing key is in the data dir, so it outlives the restart).
    const token = await fetchTestToken(`http://127.0.0.1:${port}`);
    const fetch = (url: string, init: RequestInit = {}) => globalThis.fetch(url, { ...init, headers: { ...(init.headers as Record<string, string>), Authorization: `Bearer ${token}` } });
    const acknowledged: { id: string; gender: string }[] = [];
    const transactions: string[] = [];
    let stop = false;
    const writer = async (worker: number) => {
      for (let i = 0; !stop; i++) {
        const id = `w${worker}-${i}`;
        const gender = i % 2 ? 'female' : 'male';
        try {
          if (i % 5 === 0) {
            // A transaction of three: all of it or none of it may survive.
            const body = {
              resourceType: 'Bundle',
              type: 'transaction',
              entry: ['a', 'b', 'c'].map((s) => ({ resource: { resourceType: 'Patient', id: `${id}${s}`, gender }, request: { method: 'PUT', url: `Patient/${id}${s}` } })),
            };
            const res = await fetch(base, { method: 'POST', headers: { 'Content-Type': 'application/fhir+json' }, body: JSON.stringify(body) });
            if (res.status === 200) transactions.push(id);
          } else {
            const res = await fetch(`${base}/Patient/${id}`, {
              method: 'PUT',
              headers: { 'Content-Type': 'application/fhir+json', Prefer: 'return=minimal' },
              body: JSON.stringify({ resourceType: 'Patient', id, gender }),
            });
            if (res.status === 201) acknowledged.push({ id, gender });
          }
        } catch {
          return; // the server is gone
        }
      }
    };
    const writers = [0, 1, 2, 3].map(writer);
    while (acknowledged.length < 300) await new Promise((r) => setTimeout(r, 20));
    site.kill('SIGKILL');
    stop = true;
    await exited(site);
    await Promise.all(writers);

    const restarted = await startSite(dir, port);
    try {
      for (const { id, gender } of acknowledged) {
        const res = await fetch(`${base}/Patient/${id}`);
        assert.equal(res.status, 200, `acknowledged Patient/${id} lost`);
        assert.equal(((await res.json()) as { gender: string }).gender, gender);
      }
      for (const id of transactions) {
        for (const s of ['a', 'b', 'c']) assert.equal((await fetch(`${base}/Patient/${id}${s}`)).status, 200, `transaction ${id} lost ${s}`);
      }
      // Any transaction that reached the store is whole: the three parts of every id exist together or not at all.
      const all = (await (await fetch(`${base}/Patient/_history?_count=1000`)).json()) as { entry?: { resource?: { id: string } }[] };
      const parts = new Map<string, number>();
      for (const e of all.entry ?? []) {
        const m = /^(w\d+-\d+)[abc]$/.exec(e.resource?.id ?? '');
        if (m) parts.set(m[1], (parts.get(m[1]) ?? 0) + 1);
      }
      for (const [id, n] of parts) assert.equal(n, 3, `transaction ${id} half applied`);
    } finally {
      restarted.kill('SIGTERM');
      await exited(restarted);
    }
  });
});
