/** The audit trail's own store, beside the site's: `<dataDir>/audit` (embedded) or the `<db>_audit` database (MongoDB). */
import path from 'node:path';
import type { Logger } from 'pino';
import type { SiteConfig } from '../config/site-config.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/types.ts';

export function openAuditStore(config: SiteConfig, logger: Logger): Promise<Store> {
  const store: SiteConfig['store'] =
    config.store.kind === 'mongodb'
      ? { ...config.store, dbName: `${config.store.dbName ?? `vitrine_${config.name.replace(/\W/g, '_')}`}_audit` }
      : config.store;
  return openStore({ ...config, store, dataDir: path.join(config.dataDir, 'audit') }, logger.child({ store: 'audit' }));
}
