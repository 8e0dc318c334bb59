/** The hub's configuration: its site registry and policy, validated once at start (profiles/hub-config.schema.json). */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { ConfigError } from './site-config.ts';

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
}

const SCHEMA_PATH = fileURLToPath(new URL('../../profiles/hub-config.schema.json', import.meta.url));
const validateSchema = new Ajv({ useDefaults: true, allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8')));

export function hubConfigFrom(raw: unknown, source: string): HubConfig {
  const copy = structuredClone(raw);
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
