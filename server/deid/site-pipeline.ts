/** The pipeline a site's REST writes go through: the default one, with the de-identified profiles unless turned off. */
import type { SiteConfig } from '../config/site-config.ts';
import { defaultPipeline } from '../fhir/default-pipeline.ts';
import type { ResourcePipeline } from '../fhir/pipeline.ts';
import { withDeidentifiedProfiles } from './deidentified-profiles.ts';

export function sitePipeline(config: Pick<SiteConfig, 'deidProfiles'>): ResourcePipeline {
  return config.deidProfiles === false ? defaultPipeline : withDeidentifiedProfiles(defaultPipeline);
}
