/** The hub's configuration: its site registry and policy, validated once at start (profiles/hub-config.schema.json). */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { AuthConfig } from '../auth/auth-config.ts';
import { ConfigError } from './site-config.ts';
import { compiledOnFirstUse } from './compiled-on-first-use.ts';

export interface HubSiteConfig {
  name: string;
  url: string;
  timeoutMs: number;
  retries: number;
  weight: number;
  auth: { kind: 'none' | 'backend-services' | 'client-secret'; clientId?: string; tokenUrl?: string; privateKeyFile?: string; secretEnv?: string };
}

export interface HubConfig {
  name: string;
  host: string;
  port: number;
  publicUrl?: string;
  deadlineMs: number;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  sites: HubSiteConfig[];
  policy: { minCellSize: number; rounding: number; suppressedSites: 'suppress' | 'at-least'; showPerSite: boolean };
  circuitBreaker: { failureThreshold: number; cooldownMs: number };
  asyncResultTtlSeconds: number;
  /** The hub's own state (its signing key); never patient data. */
  dataDir: string;
  /** Who may ask the hub: the same authorization section as a site's. */
  auth: AuthConfig;
}

const schemaFile = (name: string) => JSON.parse(readFileSync(fileURLToPath(new URL(`../../profiles/${name}`, import.meta.url)), 'utf8'));
// The hub's `auth` section is the site's, referenced from the site schema so the two cannot drift.
const schemaValidator = compiledOnFirstUse(() =>
  new Ajv({ useDefaults: true, allErrors: true }).addSchema(schemaFile('site-config.schema.json')).compile(schemaFile('hub-config.schema.json')),
);

export function hubConfigFrom(raw: unknown, source: string): HubConfig {
  const copy = structuredClone(raw);
  // Defaults are applied inside the referenced auth schema, not to the reference itself.
  if (copy && typeof copy === 'object' && !('auth' in copy)) (copy as { auth?: object }).auth = {};
  const validateSchema = schemaValidator();
  if (!validateSchema(copy)) {
    const problems = (validateSchema.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message}`);
    throw new ConfigError(`Invalid hub config ${source}:\n${problems.join('\n')}\nSee profiles/hub-config.schema.json`);
  }
  const config = copy as HubConfig;
  const names = new Set<string>();
  for (const site of config.sites) {
    if (names.has(site.name)) throw new ConfigError(`Invalid hub config ${source}: site name "${site.name}" is used twice`);
    names.add(site.name);
    site.url = site.url.replace(/\/+$/, '');
  }
  return config;
}

export function loadHubConfig(file: string, overrides: { port?: number } = {}, env = process.env): HubConfig {
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (err) {
    throw new ConfigError(`Cannot read hub config ${file}: ${(err as Error).message}`);
  }
  const config = hubConfigFrom(raw, file);
  const port = overrides.port ?? (env.VITRINE_HUB_PORT ? Number(env.VITRINE_HUB_PORT) : undefined);
  if (port !== undefined) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`Invalid port: ${port}`);
    config.port = port;
  }
  return config;
}
