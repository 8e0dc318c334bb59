/**
 * Expands a ValueSet into the (system, code) pairs a `:in` / `:not-in` search looks up: `compose.include` of
 * listed concepts, of whole systems (one `system|` key, no enumeration), of other ValueSets, and of `is-a`,
 * `descendent-of`, `is-not-a`, `in`, `not-in` and `regex` filters over a known CodeSystem; `compose.exclude` the
 * same way; or a stored `expansion.contains`. Expansions are cached and reused until a ValueSet or CodeSystem they
 * were built from changes. https://hl7.org/fhir/R4/valueset.html#expansion
 */
import type { ValueSet, ValueSetComposeInclude, ValueSetExpansionContains } from '@medplum/fhirtypes';
import type { Store } from '../store/types.ts';
import { codesBelow, hierarchyOf } from './code-system-hierarchy.ts';
import { currentStamp, findTerminologyResource, type TerminologyType } from './terminology-source.ts';

/** One member: a code in a system, or (code undefined) every code of the system. */
export interface ExpandedCode {
  system?: string;
  code?: string;
}

export interface Expansion {
  codes: ExpandedCode[];
  /** Parts that could not be expanded (an unknown CodeSystem, an unsupported filter): the answer may be incomplete. */
  issues: string[];
}

interface CachedExpansion {
  expansion: Expansion;
  /** What it was built from, with the stamps they had then. */
  sources: { type: TerminologyType; url: string; stamp: string }[];
}

const CACHE_LIMIT = 256;
/** A whole system's codes are listed only up to this many (see expandSystemPart). */
const MAX_LISTED_CODES = 5000;
const cache = new Map<string, CachedExpansion>();

/** The expansion of the ValueSet with this canonical url, or undefined when the site knows no such ValueSet. */
export async function expandValueSet(store: Store, url: string): Promise<Expansion | undefined> {
  const cached = cache.get(url);
  if (cached && (await isCurrent(store, cached))) return cached.expansion;
  const sources: CachedExpansion['sources'] = [];
  const expansion = await expand(store, url, sources, new Set());
  if (!expansion) return undefined;
  if (cache.size >= CACHE_LIMIT) cache.delete(cache.keys().next().value!);
  cache.set(url, { expansion, sources });
  return expansion;
}

async function isCurrent(store: Store, cached: CachedExpansion): Promise<boolean> {
  for (const source of cached.sources) {
    if ((await currentStamp(store, source.type, source.url)) !== source.stamp) return false;
  }
  return true;
}

type Sources = CachedExpansion['sources'];

async function expand(store: Store, url: string, sources: Sources, visiting: Set<string>): Promise<Expansion | undefined> {
  const found = await findTerminologyResource(store, 'ValueSet', url);
  if (!found) return undefined;
  sources.push({ type: 'ValueSet', url, stamp: found.stamp });
  const valueSet = found.resource;
  if (!valueSet.compose && valueSet.expansion?.contains) return { codes: flattenContains(valueSet.expansion.contains), issues: [] };
  const issues: string[] = [];
  if (visiting.has(url)) return { codes: [], issues: [`ValueSet ${url} includes itself`] };
  visiting.add(url);
  const included = new KeySet();
  for (const include of valueSet.compose?.include ?? []) {
    for (const code of await expandInclude(store, include, sources, visiting, issues)) included.add(code);
  }
  for (const exclude of valueSet.compose?.exclude ?? []) {
    for (const code of await expandInclude(store, exclude, sources, visiting, issues)) included.remove(code, issues, url);
  }
  visiting.delete(url);
  return { codes: included.values(), issues };
}

async function expandInclude(
  store: Store,
  include: ValueSetComposeInclude,
  sources: Sources,
  visiting: Set<string>,
  issues: string[],
): Promise<ExpandedCode[]> {
  let codes: ExpandedCode[] | undefined;
  if (include.system) codes = await expandSystemPart(store, include, sources, issues);
  // Several ValueSets (and a system part) in one include are intersected.
  for (const url of include.valueSet ?? []) {
    const inner = await expand(store, url, sources, visiting);
    if (!inner) {
      issues.push(`ValueSet ${url} is not known to this site`);
      return [];
    }
    issues.push(...inner.issues);
    codes = codes === undefined ? inner.codes : intersect(codes, inner.codes);
  }
  return codes ?? [];
}

async function expandSystemPart(store: Store, include: ValueSetComposeInclude, sources: Sources, issues: string[]): Promise<ExpandedCode[]> {
  const system = include.system!;
  if (include.concept) return include.concept.flatMap((c) => (c.code ? [{ system, code: c.code }] : []));
  const found = await findTerminologyResource(store, 'CodeSystem', include.version ? `${system}|${include.version}` : system);
  if (found) sources.push({ type: 'CodeSystem', url: system, stamp: found.stamp });
  if (!include.filter?.length) {
    // The whole system is one key; its codes are listed too when known, for elements of type `code`, which
    // carry no system in the resource (Patient.gender is `female`, not administrative-gender|female).
    const listed = found && found.resource.content === 'complete' ? hierarchyOf(found.resource).codes.slice(0, MAX_LISTED_CODES) : [];
    return [{ system }, ...listed.map((code) => ({ system, code }))];
  }
  if (!found) {
    issues.push(`CodeSystem ${system} is not known to this site, so its filters cannot be expanded`);
    return [];
  }
  const hierarchy = hierarchyOf(found.resource);
  let codes: Set<string> = new Set(hierarchy.codes);
  for (const filter of include.filter) {
    const value = filter.value ?? '';
    let matching: Iterable<string>;
    if (filter.op === 'is-a') matching = codesBelow(hierarchy, value);
    else if (filter.op === 'descendent-of') matching = codesBelow(hierarchy, value, false);
    else if (filter.op === 'is-not-a') matching = without(hierarchy.codes, codesBelow(hierarchy, value));
    else if (filter.op === 'in') matching = value.split(',');
    else if (filter.op === 'not-in') matching = without(hierarchy.codes, value.split(','));
    else if (filter.op === 'regex' && filter.property === 'code') matching = hierarchy.codes.filter((c) => safeRegex(value)?.test(c));
    else {
      issues.push(`ValueSet filter ${filter.property} ${filter.op} ${value} on ${system} is not supported`);
      return [];
    }
    const keep = new Set(matching);
    codes = new Set([...codes].filter((c) => keep.has(c)));
  }
  return [...codes].map((code) => ({ system, code }));
}

function safeRegex(pattern: string): RegExp | undefined {
  try {
    return new RegExp(`^(?:${pattern})$`);
  } catch {
    return undefined;
  }
}

function without(all: string[], removed: string[]): string[] {
  const drop = new Set(removed);
  return all.filter((c) => !drop.has(c));
}

function flattenContains(contains: ValueSetExpansionContains[]): ExpandedCode[] {
  return contains.flatMap((c) => [
    ...(c.code && !c.abstract ? [{ system: c.system, code: c.code }] : []),
    ...flattenContains(c.contains ?? []),
  ]);
}

const keyOf = (c: ExpandedCode): string => `${c.system ?? ''}|${c.code ?? ''}`;

function intersect(a: ExpandedCode[], b: ExpandedCode[]): ExpandedCode[] {
  const inB = (c: ExpandedCode) => b.some((x) => x.system === c.system && (x.code === undefined || x.code === c.code));
  const inA = (c: ExpandedCode) => a.some((x) => x.system === c.system && (x.code === undefined || x.code === c.code));
  const result = new KeySet();
  for (const c of a) if (c.code !== undefined && inB(c)) result.add(c);
  for (const c of b) if (c.code !== undefined && inA(c)) result.add(c);
  for (const c of a) if (c.code === undefined && b.some((x) => x.system === c.system && x.code === undefined)) result.add(c);
  return result.values();
}

/** Expanded codes without duplicates. */
class KeySet {
  private readonly byKey = new Map<string, ExpandedCode>();

  add(code: ExpandedCode): void {
    this.byKey.set(keyOf(code), code);
  }

  /** Removes an excluded code; excluding single codes from a whole system cannot be expressed as keys. */
  remove(code: ExpandedCode, issues: string[], url: ValueSet['url']): void {
    if (code.code === undefined) {
      for (const [key, c] of this.byKey) if (c.system === code.system) this.byKey.delete(key);
      return;
    }
    this.byKey.delete(keyOf(code));
    if (this.byKey.has(keyOf({ system: code.system }))) {
      issues.push(`ValueSet ${url} excludes ${code.system}|${code.code} from the whole system, which is not applied`);
    }
  }

  values(): ExpandedCode[] {
    return [...this.byKey.values()];
  }
}
