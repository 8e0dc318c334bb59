/** The search matrix (test/search-matrix.ts) against the EmbeddedStore. */
import { describeSearchMatrix } from './search-matrix.ts';
import { temporaryEmbeddedStore } from './store/temporary-embedded-store.ts';

describeSearchMatrix('EmbeddedStore', temporaryEmbeddedStore);
