/** A running site: config -> store -> app -> HTTP server, with graceful shutdown. */
import { pino, type Logger } from 'pino';
import type { SiteConfig } from './config/site-config.ts';
import { mkdirSync } from 'node:fs';
import { sitePipeline } from './deid/site-pipeline.ts';
import { lockDataDir } from './ingest/data-dir-lock.ts';
import { loadSiteIngest } from './ingest/site-ingest.ts';
import { defaultPipeline } from './fhir/default-pipeline.ts';
import { createSiteApp } from './http/app.ts';
import { listen, once } from './http/listen.ts';
import { DisclosureControl } from './policy/disclosure-control.ts';
import { loadPolicy } from './policy/policy.ts';
import { openStore } from './store/open-store.ts';
import { createAuthorizationServer } from './auth/authorization-server.ts';
import { AuditTrail } from './audit/audit-trail.ts';
import { openAuditStore } from './audit/open-audit-store.ts';
import type { Store } from './store/types.ts';

export interface RunningSite {
  config: SiteConfig;
  store: Store;
  /** Base URL of the FHIR endpoint: http://host:port/fhir */
  url: string;
  logger: Logger;
  close(): Promise<void>;
}

export function createLogger(config: Pick<SiteConfig, 'name' | 'logLevel'>): Logger {
  return pino({ level: config.logLevel, base: { site: config.name }, redact: ['req.headers.authorization'] });
}

export interface StartSiteOptions {
  /** Runs on the opened store before the site serves (the demo seeds its data here, with no second open). */
  prepareStore?(store: Store): Promise<void>;
}

export async function startSite(config: SiteConfig, logger = createLogger(config), options: StartSiteOptions = {}): Promise<RunningSite> {
  const policy = loadPolicy(config.policy); // a wrong policy stops the site before anything opens
  const ingest = loadSiteIngest(config, defaultPipeline); // so does an unusable de-identification key or rules file
  // The embedded store lives in this process's memory: no second process (another site, an ingest) may open it.
  mkdirSync(config.dataDir, { recursive: true });
  const releaseDataDir = lockDataDir(config.dataDir, `vitrine site ${config.name}`);
  const store = await openStore(config, logger);
  try {
    await options.prepareStore?.(store);
  } catch (err) {
    await store.close();
    releaseDataDir();
    throw err;
  }
  const disclosure = await DisclosureControl.open(policy, config.dataDir);
  const auth = await createAuthorizationServer({ config: config.auth, name: config.name, publicUrl: config.publicUrl, dataDir: config.dataDir });
  const auditStore = await openAuditStore(config, logger);
  const audit = new AuditTrail(auditStore, config.name, logger);
  const app = createSiteApp({
    disclosure, store, pipeline: sitePipeline(config), logger, limits: config.limits, publicUrl: config.publicUrl,
    name: config.name, auth, audit, cors: config.cors, rateLimit: config.rateLimit, ingest,
  });
  const { url, stop } = await listen(app, config.port, config.host);
  logger.info({ url, store: config.store.kind, dataDir: config.store.kind === 'embedded' ? config.dataDir : undefined }, 'site listening');

  const close = once(async () => {
    // Stop accepting, let in-flight requests finish, then flush the store.
    await stop();
    await audit.flush();
    await auditStore.close();
    await disclosure.close();
    await store.close();
    releaseDataDir();
    logger.info('site stopped');
  });
  return { config, store, url, logger, close };
}

/** Closes the given services on SIGINT/SIGTERM, then exits. */
export function closeOnSignals(services: { close(): Promise<void> }[], logger: Logger): void {
  const stop = (signal: string) => {
    logger.info({ signal }, 'shutting down');
    Promise.all(services.map((s) => s.close())).then(
      () => process.exit(0),
      (err) => {
        logger.error({ err }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
