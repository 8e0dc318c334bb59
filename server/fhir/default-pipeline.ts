/** The pipeline every site uses: the validation module and the search index extraction. */
import { extractIndexEntries } from '../search/extract.ts';
import { validateResource } from '../validation/validate.ts';
import type { ResourcePipeline } from './pipeline.ts';

export const defaultPipeline: ResourcePipeline = {
  validate: (resource, profile) => validateResource(resource, profile ? { profile } : undefined),
  extract: extractIndexEntries,
};
