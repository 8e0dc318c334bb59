/**
 * Durability under a real crash: a child process commits writes and reports each one acknowledged; it is killed
 * with SIGKILL mid-stream. After reopening, every acknowledged write must be there and no transaction half there.
 */
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';

const repositoryRoot = fileURLToPath(new URL('..', import.meta.url));
const ACKS_BEFORE_KILL = 400;
const TRANSACTION_SIZE = 5; // as in crash-writer.ts

/** Runs the writer until it has acknowledged enough commits, kills it, and returns every line it printed. */
async function runAndKillWriter(dir: string): Promise<string[]> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'test/fixtures/store/crash-writer.ts', dir], {
    cwd: repositoryRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr.on('data', (chunk) => (stderr += chunk));
  const acknowledged: string[] = [];
  const exited = new Promise<NodeJS.Signals | null>((resolve) => child.on('exit', (_code, signal) => resolve(signal)));
  for await (const line of createInterface({ input: child.stdout })) {
    acknowledged.push(line);
    if (acknowledged.length === ACKS_BEFORE_KILL) child.kill('SIGKILL');
  }
  const signal = await exited;
  assert.equal(signal, 'SIGKILL', `the writer stopped on its own: ${stderr}`);
  return acknowledged;
}

describe('EmbeddedStore after SIGKILL', function () {
  let dir: string;
  beforeEach(async function () {
    dir = await mkdtemp(join(tmpdir(), 'vitrine-crash-'));
  });
  afterEach(async function () {
    await rm(dir, { recursive: true, force: true });
  });

  it('keeps every acknowledged commit and never half a transaction', async function () {
    const acknowledged = await runAndKillWriter(dir);
    assert.ok(acknowledged.length >= ACKS_BEFORE_KILL);

    const store = new EmbeddedStore({ dir });
    await store.open();
    try {
      for (const line of acknowledged) {
        const [kind, name, size] = line.split(' ');
        if (kind === 'single') {
          assert.ok(await store.read('Patient', name), `acknowledged Patient/${name} is missing`);
        } else {
          assert.equal(await store.count({ tok: `tx|${name}` }), Number(size), `acknowledged transaction ${name}`);
        }
      }
      // Transactions that were durable but not yet acknowledged must be whole too.
      const members = await store.find({ filter: { type: 'Basic' } });
      const sizes = new Map<string, number>();
      for (const member of members) {
        const transaction = member.id.slice(0, member.id.lastIndexOf('-'));
        sizes.set(transaction, (sizes.get(transaction) ?? 0) + 1);
      }
      const partial = [...sizes].filter(([, size]) => size !== TRANSACTION_SIZE);
      assert.deepEqual(partial, [], 'half-applied transactions');
    } finally {
      await store.close();
    }
  });
});
