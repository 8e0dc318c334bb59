/**
 * What a running site needs to de-identify what its loader POSTs to `$ingest`: the rule set and the key named in
 * its config (`deid: { rules, keyFile }`), read once at start. The key stays in this process's memory; it is
 * refused when it lies inside the data directory, since it must never be stored with the data.
 */
import path from 'node:path';
import type { SiteConfig } from '../config/site-config.ts';
import { DeidKeyError, loadDeidKey } from '../deid/deid-key.ts';
import { withDeidentifiedProfiles } from '../deid/deidentified-profiles.ts';
import { createDeidentifier, type Deidentifier } from '../deid/engine.ts';
import { loadRuleSet } from '../deid/rule-set.ts';
import type { ResourcePipeline } from '../fhir/pipeline.ts';

export interface SiteIngest {
  deidentifier: Deidentifier;
  key: Buffer;
  /** The write pipeline of ingested resources: core validation, the de-identified profiles, index extraction. */
  pipeline: ResourcePipeline;
}

/** Prepares ingest from explicit parts (tests, the demo). */
export function siteIngestFrom(rules: string, key: Buffer, basePipeline: ResourcePipeline): SiteIngest {
  return { deidentifier: createDeidentifier(loadRuleSet(rules), key), key, pipeline: withDeidentifiedProfiles(basePipeline) };
}

/**
 * The site's ingest, or undefined when no key is configured (no `deid.keyFile`, no VITRINE_DEID_KEY): the site
 * still serves, and `$ingest` answers that ingest is not configured. A key file that is named but unreadable, too
 * short or inside the data directory stops the site with the reason.
 */
export function loadSiteIngest(config: Pick<SiteConfig, 'deid' | 'dataDir'>, basePipeline: ResourcePipeline, env = process.env): SiteIngest | undefined {
  const { keyFile, rules } = config.deid;
  if (!keyFile && !env.VITRINE_DEID_KEY) return undefined;
  if (keyFile && isInside(path.resolve(keyFile), path.resolve(config.dataDir))) {
    throw new DeidKeyError(`deid.keyFile ${keyFile} lies inside the data directory ${config.dataDir}; keep the key apart from the data it protects`);
  }
  return siteIngestFrom(rules, loadDeidKey(keyFile, env), basePipeline);
}

function isInside(file: string, dir: string): boolean {
  const relative = path.relative(dir, file);
  return relative !== '' && !relative.startsWith('..') && !path.isAbsolute(relative);
}
