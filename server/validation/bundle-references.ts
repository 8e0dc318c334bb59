/**
 * References between the entries of a Bundle must each name one entry
 * (https://hl7.org/fhir/R4/bundle.html#references): a relative reference resolves against the base of its
 * entry's RESTful fullUrl, an absolute one is the fullUrl itself, and `_history/<version>` picks the entry with
 * that meta.versionId. Entries may share a fullUrl only as versions of one resource (bdl-7), so an unversioned
 * reference to such a fullUrl matches several entries and says nothing about which: an error, as in the HL7
 * validator ("Multiple matches in bundle for reference"). References that match no entry are not judged: they
 * may point outside the Bundle.
 */

type Json = Record<string, unknown>;

export type ReferenceReport = (text: string, expression: string) => void;

const SCHEME = /^[A-Za-z][A-Za-z0-9+.-]*:/;
const HISTORY = /^(.*)\/_history\/([^/]+)$/;
/** A RESTful fullUrl: its base, then Type/id. */
const RESTFUL = /^(.*\/)?[A-Z][A-Za-z]+\/[A-Za-z0-9\-.]{1,64}$/;

/** Reports each reference in `bundle` (at `expression`) that matches more than one of its entries. */
export function checkAmbiguousReferences(bundle: Json, expression: string, report: ReferenceReport): void {
  const entries = Array.isArray(bundle.entry) ? (bundle.entry as unknown[]) : [];
  const byFullUrl = new Map<string, Json[]>();
  let shared = false;
  for (const entry of entries) {
    const fullUrl = isObject(entry) ? entry.fullUrl : undefined;
    const resource = isObject(entry) ? entry.resource : undefined;
    if (typeof fullUrl !== 'string' || !isObject(resource)) continue;
    const list = byFullUrl.get(fullUrl);
    if (list) {
      list.push(resource);
      shared = true;
    } else byFullUrl.set(fullUrl, [resource]);
  }
  // Only a fullUrl held by several entries can be matched several times: most Bundles stop here.
  if (!shared) return;
  entries.forEach((entry, i) => {
    if (!isObject(entry) || !isObject(entry.resource)) return;
    const fullUrl = typeof entry.fullUrl === 'string' ? entry.fullUrl : undefined;
    forEachReference(entry.resource, `${expression}.entry[${i}].resource`, (reference, at) => {
      const matches = matchesOf(reference, fullUrl, byFullUrl);
      if (matches > 1) report(`Multiple matches in the Bundle (${matches}) for the reference ${reference}`, at);
    });
  });
}

/** How many entries `reference`, made in the entry with `fullUrl`, names. */
function matchesOf(reference: string, fullUrl: string | undefined, byFullUrl: Map<string, Json[]>): number {
  if (reference.startsWith('#')) return 0;
  const versioned = HISTORY.exec(reference);
  const target = versioned ? versioned[1] : reference;
  let url = target;
  if (!SCHEME.test(target)) {
    const base = fullUrl !== undefined && RESTFUL.test(fullUrl) ? fullUrl.replace(/[A-Z][A-Za-z]+\/[^/]+$/, '') : undefined;
    if (base === undefined) return 0;
    url = base + target;
  }
  const candidates = byFullUrl.get(url) ?? [];
  if (!versioned) return candidates.length;
  return candidates.filter((r) => isObject(r.meta) && r.meta.versionId === versioned[2]).length;
}

/** Calls `visit` with each Reference.reference under `node`, not entering nested Bundles (they resolve their own). */
function forEachReference(node: unknown, expression: string, visit: (reference: string, at: string) => void): void {
  if (Array.isArray(node)) {
    node.forEach((item, i) => forEachReference(item, `${expression}[${i}]`, visit));
    return;
  }
  if (!isObject(node)) return;
  if (typeof node.reference === 'string') visit(node.reference, expression);
  for (const [key, value] of Object.entries(node)) {
    if (typeof value !== 'object' || value === null) continue;
    if (isObject(value) && value.resourceType === 'Bundle') continue;
    forEachReference(value, `${expression}.${key}`, visit);
  }
}

function isObject(value: unknown): value is Json {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
