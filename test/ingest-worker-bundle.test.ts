/** Worker bundles (worker-bundle.ts): built once, rebuilt when an input changes, modules keep their own URLs. */
import assert from 'node:assert/strict';
import { mkdtemp, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { bundledModule } from '../server/ingest/worker-bundle.ts';

describe('worker bundles', () => {
  let dir: string;
  let savedCacheDir: string | undefined;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'vitrine-bundle-'));
    savedCacheDir = process.env.VITRINE_CACHE_DIR;
    process.env.VITRINE_CACHE_DIR = join(dir, 'cache');
  });
  afterEach(async () => {
    if (savedCacheDir === undefined) delete process.env.VITRINE_CACHE_DIR;
    else process.env.VITRINE_CACHE_DIR = savedCacheDir;
    await rm(dir, { recursive: true, force: true });
  });

  const entry = () => pathToFileURL(join(dir, 'entry.ts'));
  const writeModules = async (value: number) => {
    await writeFile(join(dir, 'dep.ts'), `export const value: number = ${value};\nexport const depUrl: string = import.meta.url;\n`);
    await writeFile(
      join(dir, 'entry.ts'),
      "import { parentPort } from 'node:worker_threads';\nimport { depUrl, value } from './dep.ts';\nparentPort!.postMessage({ value, depUrl, url: import.meta.url });\n",
    );
  };
  const run = async (bundle: string) => {
    const worker = new Worker(bundle);
    try {
      return await new Promise<{ value: number; depUrl: string; url: string }>((resolve, reject) => worker.once('message', resolve).once('error', reject));
    } finally {
      await worker.terminate();
    }
  };

  it('runs the module with each module at its own URL, and bundles again only when an input changed', async () => {
    await writeModules(1);
    const first = await bundledModule(entry());
    assert.ok(first, 'a bundle');
    assert.deepEqual(await run(first), { value: 1, depUrl: pathToFileURL(join(dir, 'dep.ts')).href, url: entry().href });
    const builtAt = (await stat(first)).mtimeMs;
    assert.equal(await bundledModule(entry()), first);
    assert.equal((await stat(first)).mtimeMs, builtAt, 'not built again');
    await writeModules(2);
    const second = await bundledModule(entry());
    assert.ok(second && second !== first);
    assert.equal((await run(second)).value, 2);
  });

  it('gives no bundle when the cache is off, or for a module that does not build (the caller runs it through tsx)', async () => {
    await writeModules(1);
    process.env.VITRINE_CACHE_DIR = 'off';
    assert.equal(await bundledModule(entry()), undefined);
    process.env.VITRINE_CACHE_DIR = join(dir, 'cache');
    await writeFile(join(dir, 'entry.ts'), "import { missing } from './nowhere.ts';\nconsole.log(missing);\n");
    assert.equal(await bundledModule(entry()), undefined);
  });
});
