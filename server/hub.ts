/** A running hub: config -> site clients -> app -> HTTP server, with graceful shutdown. The hub keeps no patient data. */
import { pino, type Logger } from 'pino';
import type { HubConfig } from './config/hub-config.ts';
import path from 'node:path';
import { AuditTrail } from './audit/audit-trail.ts';
import { openAuditLog } from './audit/open-audit-store.ts';
import { createAuthorizationServer } from './auth/authorization-server.ts';
import { AsyncJobs } from './federation/async-jobs.ts';
import { HubMetrics } from './federation/metrics.ts';
import { SiteClient } from './federation/site-client.ts';
import { siteAuthorizer } from './federation/site-token.ts';
import { createHubApp, type HubState } from './http/hub-app.ts';
import { listen, once } from './http/listen.ts';

export interface RunningHub {
  config: HubConfig;
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

export async function createHubState(config: HubConfig, audit?: AuditTrail): Promise<HubState> {
  return {
    config,
    audit,
    auth: await createAuthorizationServer({ config: config.auth, name: config.name, publicUrl: config.publicUrl, dataDir: config.dataDir }),
    sites: config.sites.map((site) => new SiteClient(site, config.circuitBreaker, siteAuthorizer(site))),
    metrics: new HubMetrics(),
    jobs: new AsyncJobs(config.asyncResultTtlSeconds * 1000),
  };
}

export async function startHub(config: HubConfig, logger: Logger = pino({ level: config.logLevel, base: { hub: config.name } })): Promise<RunningHub> {
  // The hub keeps no patient data, only its own audit trail: who asked what, and what was answered.
  const auditStore = await openAuditLog(path.join(config.dataDir, 'audit'), logger.child({ store: 'audit' }));
  const audit = new AuditTrail(auditStore, config.name, logger);
  const app = createHubApp(await createHubState(config, audit), logger, config.publicUrl);
  const { url, stop } = await listen(app, config.port, config.host);
  logger.info({ url, sites: config.sites.map((s) => s.name) }, 'hub listening');
  const close = once(async () => {
    await stop();
    await audit.flush();
    await auditStore.close();
  });
  return { config, url, logger, close };
}
