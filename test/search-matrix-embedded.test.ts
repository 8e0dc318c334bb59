/** The search matrix (test/search-matrix.ts) against the EmbeddedStore. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../server/store/embedded/embedded-store.ts';
import { describeSearchMatrix } from './search-matrix.ts';

describeSearchMatrix('EmbeddedStore', async () => {
  const dir = await mkdtemp(join(tmpdir(), 'vitrine-matrix-'));
  const store = new EmbeddedStore({ dir });
  await store.open();
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
});
