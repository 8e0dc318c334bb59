/**
 * The audit trail's own store, beside the site's: the append-only log in `<dataDir>/audit` (audit-log-store.ts)
 * beside an embedded store, or the `<db>_audit` database beside MongoDB.
 */
import path from 'node:path';
import type { Logger } from 'pino';
import type { SiteConfig } from '../config/site-config.ts';
import { openStore } from '../store/open-store.ts';
import type { Store } from '../store/types.ts';
import { AuditLogStore } from './audit-log-store.ts';

export async function openAuditStore(config: SiteConfig, logger: Logger): Promise<Store> {
  const auditLogger = logger.child({ store: 'audit' });
  if (config.store.kind !== 'mongodb') return openAuditLog(path.join(config.dataDir, 'audit'), auditLogger);
  const dbName = `${config.store.dbName ?? `vitrine_${config.name.replace(/\W/g, '_')}`}_audit`;
  return openStore({ ...config, store: { ...config.store, dbName } }, auditLogger);
}

/** The append-only audit log in `dir`, opened (a site's beside an embedded store, and the hub's). */
export async function openAuditLog(dir: string, logger?: Logger): Promise<AuditLogStore> {
  const store = new AuditLogStore({ dir, logger });
  await store.open();
  return store;
}
