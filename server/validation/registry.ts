/**
 * Rule tables by canonical URL: the core R4 types, the core extensions, and the profiles the site enforces: the
 * StructureDefinitions in the project's `profiles/` folder (read once, on first use) or given to
 * registerProfile. Rules are built on the first lookup of each URL and kept.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  CORE_PREFIX,
  coreDefinitions,
  coreExtensionDefinitions,
  slimStructureDefinition,
  type SlimStructureDefinition,
} from './definitions.ts';
import { snapshotOf } from './differential.ts';
import { fhirSchema } from './fhir-schema.ts';
import { buildTypeRules, type TypeRules } from './type-rules.ts';

const PROFILES_DIR = fileURLToPath(new URL('../../profiles/', import.meta.url));

const project = new Map<string, SlimStructureDefinition>();
const rulesByUrl = new Map<string, TypeRules>();
const coreRules = new Map<string, TypeRules | null>();
let projectLoaded = false;
const loadProblems: string[] = [];

export type Lookup = { rules: TypeRules; definition: SlimStructureDefinition } | { error: string };

/** A definition from profiles/ (read on first use) or registered. */
function projectDefinition(url: string): SlimStructureDefinition | undefined {
  if (!projectLoaded) loadProjectProfiles();
  return project.get(url);
}

function definitionByUrl(url: string): SlimStructureDefinition | undefined {
  return (
    projectDefinition(url) ??
    coreDefinitions().get(url) ??
    (url.startsWith(CORE_PREFIX) ? coreExtensionDefinitions().get(url) : undefined)
  );
}

function isPrimitive(code: string): boolean {
  return fhirSchema().primitiveTypes.has(code);
}

function resolveType(code: string, profile?: string): TypeRules | undefined {
  const profiled = profile ? rulesForUrl(profile) : undefined;
  return profiled && 'rules' in profiled ? profiled.rules : rulesForCoreType(code);
}

/** The rules of a core type (Patient, Quantity); undefined for a name that is none. */
export function rulesForCoreType(code: string): TypeRules | undefined {
  let rules = coreRules.get(code);
  if (rules === undefined) {
    const found = rulesForUrl(CORE_PREFIX + code);
    rules = 'rules' in found ? found.rules : null;
    coreRules.set(code, rules);
  }
  return rules ?? undefined;
}

/** The rules of a StructureDefinition by canonical URL, core or the project's, or why there are none. */
export function rulesForUrl(url: string): Lookup {
  const definition = definitionByUrl(url);
  if (!definition) {
    const problems = loadProblems.length > 0 ? ` (problems in profiles/: ${loadProblems.join('; ')})` : '';
    return { error: `Unknown profile: ${url}${problems}` };
  }
  let rules = rulesByUrl.get(url);
  if (!rules) {
    try {
      const elements = snapshotOf(definition, definitionByUrl);
      rules = buildTypeRules(definition, elements, isPrimitive, resolveType);
    } catch (err) {
      return { error: `Profile ${url} cannot be used: ${(err as Error).message}` };
    }
    rulesByUrl.set(url, rules);
  }
  return { rules, definition };
}

const extensionRules = new Map<string, TypeRules | null>();

/**
 * The rules of an extension by its URL when its definition is known (a core extension or one in profiles/): its
 * value type, cardinality and fixed values are then checked. Unknown extensions get the rules of Extension.
 */
export function rulesForExtension(url: string): TypeRules | undefined {
  let rules = extensionRules.get(url);
  if (rules === undefined) {
    const definition =
      projectDefinition(url) ?? (url.startsWith(CORE_PREFIX) ? coreExtensionDefinitions().get(url) : undefined);
    const found = definition?.type === 'Extension' ? rulesForUrl(url) : undefined;
    rules = found && 'rules' in found ? found.rules : null;
    extensionRules.set(url, rules);
  }
  return rules ?? undefined;
}

/**
 * Adds a StructureDefinition (JSON) to those profiles can name. Returns why it was refused, if it was.
 * Replaces one with the same URL; core definitions cannot be replaced.
 */
export function registerProfile(structureDefinition: unknown): string | undefined {
  let definition: SlimStructureDefinition;
  try {
    definition = slimStructureDefinition(structureDefinition as Record<string, unknown>);
  } catch (err) {
    return (err as Error).message;
  }
  if (coreDefinitions().has(definition.url)) return `${definition.url} is a core definition`;
  if (definition.snapshot.length === 0 && definition.differential.length === 0) {
    return `${definition.url} has neither a snapshot nor a differential`;
  }
  project.set(definition.url, definition);
  for (const url of project.keys()) rulesByUrl.delete(url);
  extensionRules.clear();
  return undefined;
}

/** Reads every StructureDefinition (or Bundle of them) in profiles/; other JSON files there are not profiles. */
function loadProjectProfiles(): void {
  projectLoaded = true;
  loadProblems.push(...loadProfileDirectory(PROFILES_DIR));
}

/**
 * Registers the StructureDefinitions (or Bundles of them) among the JSON files of `dir`; other files are not
 * profiles and are passed over. Returns the problems found, one line each.
 */
export function loadProfileDirectory(dir: string): string[] {
  const problems: string[] = [];
  let files: string[];
  try {
    files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  } catch {
    return problems;
  }
  for (const file of files) {
    let json: { resourceType?: string; entry?: { resource?: { resourceType?: string } }[] };
    try {
      json = JSON.parse(readFileSync(join(dir, file), 'utf8'));
    } catch (err) {
      problems.push(`${file}: ${(err as Error).message}`);
      continue;
    }
    const definitions =
      json.resourceType === 'StructureDefinition'
        ? [json]
        : json.resourceType === 'Bundle'
          ? (json.entry ?? []).map((e) => e.resource).filter((r) => r?.resourceType === 'StructureDefinition')
          : [];
    for (const definition of definitions) {
      const problem = registerProfile(definition);
      if (problem) problems.push(`${file}: ${problem}`);
    }
  }
  return problems;
}
