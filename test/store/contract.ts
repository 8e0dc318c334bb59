/**
 * The behaviour every Store must show (DESIGN.md, "one contract test suite"): run it against each implementation
 * from that implementation's test file, e.g. `describeStoreContract('EmbeddedStore', makeEmbeddedStore)`.
 */
import type { Store } from '../../server/store/types.ts';
import { describeFindContract } from './contract-find.ts';
import { describeHistoryContract } from './contract-history.ts';
import { describeWriteContract } from './contract-writes.ts';

/** Makes an opened, empty store; cleanup() closes it and removes its data. */
export type MakeStore = () => Promise<{ store: Store; cleanup(): Promise<void> }>;

export interface StoreUnderTest {
  /** The store of the running test (a fresh one per test). */
  store: Store;
}

export function describeStoreContract(name: string, makeStore: MakeStore): void {
  describe(`Store contract: ${name}`, function () {
    const current = {} as StoreUnderTest;
    let cleanup: (() => Promise<void>) | undefined;

    beforeEach(async function () {
      const made = await makeStore();
      current.store = made.store;
      cleanup = made.cleanup;
    });

    afterEach(async function () {
      await cleanup?.();
      cleanup = undefined;
    });

    describeWriteContract(current);
    describeHistoryContract(current);
    describeFindContract(current);
  });
}
