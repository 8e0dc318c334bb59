/** A site app over a fresh embedded store in a temp directory, for supertest (no port). */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { pino } from 'pino';
import supertest from 'supertest';
import { defaultPipeline } from '../../server/fhir/default-pipeline.ts';
import { createSiteApp } from '../../server/http/app.ts';
import { EmbeddedStore } from '../../server/store/embedded/embedded-store.ts';

export const TEST_LIMITS = { bodyLimit: '1mb', defaultCount: 20, maxCount: 200, maxBundleEntries: 500 };

export interface TestSite {
  app: ReturnType<typeof createSiteApp>;
  http: ReturnType<typeof supertest>;
  store: EmbeddedStore;
  dir: string;
  close(): Promise<void>;
}

export async function createTestSite(): Promise<TestSite> {
  const dir = await mkdtemp(path.join(tmpdir(), 'vitrine-site-'));
  const store = new EmbeddedStore({ dir });
  await store.open();
  const app = createSiteApp({ store, pipeline: defaultPipeline, logger: pino({ level: 'silent' }), limits: TEST_LIMITS });
  return {
    app,
    http: supertest(app),
    store,
    dir,
    close: async () => {
      await store.close();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export const FHIR_JSON = 'application/fhir+json';
