/** Chooses the store a site's config asks for: the embedded store by default, MongoDB when configured. */
import type { Logger } from 'pino';
import type { SiteConfig } from '../config/site-config.ts';
import { EmbeddedStore } from './embedded/embedded-store.ts';
import { MongoStore } from './mongo/mongo-store.ts';
import type { Store } from './types.ts';

export async function openStore(config: SiteConfig, logger: Logger): Promise<Store> {
  const store: Store =
    config.store.kind === 'mongodb'
      ? new MongoStore({ url: config.store.url, dbName: config.store.dbName ?? `vitrine_${config.name.replace(/\W/g, '_')}`, logger })
      : new EmbeddedStore({ dir: config.dataDir, logger });
  await store.open();
  return store;
}
