/** An opened EmbeddedStore in a fresh temporary directory, for the suites that run over any store factory. */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { EmbeddedStore } from '../../server/store/embedded/embedded-store.ts';

export async function temporaryEmbeddedStore(): Promise<{ store: EmbeddedStore; cleanup(): Promise<void> }> {
  const dir = await mkdtemp(join(tmpdir(), 'vitrine-embedded-'));
  const store = new EmbeddedStore({ dir });
  await store.open();
  return {
    store,
    async cleanup() {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}
