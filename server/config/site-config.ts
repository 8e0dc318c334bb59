/**
 * The site's configuration: one JSON file validated once at start against profiles/site-config.schema.json, then
 * environment and command-line overrides. Wrong config stops the process with a message a person can act on.
 */
import { Ajv } from 'ajv';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { AuthConfig } from '../auth/auth-config.ts';
import { compiledOnFirstUse } from './compiled-on-first-use.ts';

export interface SiteConfig {
  name: string;
  host: string;
  port: number;
  publicUrl?: string;
  dataDir: string;
  store: { kind: 'embedded' } | { kind: 'mongodb'; url: string; dbName?: string };
  limits: { bodyLimit: string; defaultCount: number; maxCount: number; maxBundleEntries: number };
  /** Refuse REST writes that break the de-identified profiles (default true). */
  deidProfiles: boolean;
  deid: { rules: string; keyFile?: string };
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** The disclosure-control policy file (server/policy/); the default policy when absent. */
  policy?: string;
  auth: AuthConfig;
  cors: { origins: string[] };
  rateLimit: { requestsPerMinute: number };
}

export interface SiteOverrides {
  port?: number;
  dataDir?: string;
  mongodbUrl?: string;
}

export class ConfigError extends Error {}

const SCHEMA_PATH = fileURLToPath(new URL('../../profiles/site-config.schema.json', import.meta.url));
const schemaValidator = compiledOnFirstUse(() => new Ajv({ useDefaults: true, allErrors: true }).compile(JSON.parse(readFileSync(SCHEMA_PATH, 'utf8'))));

/** Reads, validates and completes a site config file; relative paths are taken from the file's folder. */
export function loadSiteConfig(file: string | undefined, overrides: SiteOverrides = {}, env = process.env): SiteConfig {
  let raw: unknown = { name: 'site' };
  if (file) {
    try {
      raw = JSON.parse(readFileSync(file, 'utf8'));
    } catch (err) {
      throw new ConfigError(`Cannot read site config ${file}: ${(err as Error).message}`);
    }
  }
  const config = siteConfigFrom(raw, file ?? '(defaults)');
  if (file && !path.isAbsolute(config.dataDir)) config.dataDir = path.resolve(path.dirname(file), config.dataDir);
  if (file && config.policy && !path.isAbsolute(config.policy)) config.policy = path.resolve(path.dirname(file), config.policy);
  if (file && config.deid.keyFile && !path.isAbsolute(config.deid.keyFile)) config.deid.keyFile = path.resolve(path.dirname(file), config.deid.keyFile);
  // A rules file (not a shipped rule set's name) is relative to the config too.
  if (file && /[/\\]|\.json$/.test(config.deid.rules) && !path.isAbsolute(config.deid.rules)) config.deid.rules = path.resolve(path.dirname(file), config.deid.rules);
  return applyOverrides(config, overrides, env);
}

export function siteConfigFrom(raw: unknown, source: string): SiteConfig {
  const copy = structuredClone(raw);
  const validateSchema = schemaValidator();
  if (!validateSchema(copy)) {
    const problems = (validateSchema.errors ?? []).map((e) => `  ${e.instancePath || '/'} ${e.message}${e.params && 'additionalProperty' in e.params ? `: ${String(e.params.additionalProperty)}` : ''}`);
    throw new ConfigError(`Invalid site config ${source}:\n${problems.join('\n')}\nSee profiles/site-config.schema.json`);
  }
  return copy as SiteConfig;
}

function applyOverrides(config: SiteConfig, overrides: SiteOverrides, env: NodeJS.ProcessEnv): SiteConfig {
  const port = overrides.port ?? (env.VITRINE_PORT ? Number(env.VITRINE_PORT) : undefined);
  if (port !== undefined) {
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw new ConfigError(`Invalid port: ${port}`);
    config.port = port;
  }
  const dataDir = overrides.dataDir ?? env.VITRINE_DATA_DIR;
  if (dataDir) config.dataDir = path.resolve(dataDir);
  const mongodbUrl = overrides.mongodbUrl ?? env.MONGODB_URL;
  if (mongodbUrl) {
    if (!/^mongodb(\+srv)?:\/\//.test(mongodbUrl)) throw new ConfigError('MONGODB_URL must start with mongodb:// or mongodb+srv://');
    config.store = { kind: 'mongodb', url: mongodbUrl, dbName: config.store.kind === 'mongodb' ? config.store.dbName : undefined };
  }
  return config;
}
