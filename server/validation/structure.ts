/**
 * Structure check of one resource (not the resources nested in it) against the repaired R4 JSON schema, with
 * ajv. One validator per resource type, compiled on first use: https://hl7.org/fhir/R4/json.html#schema
 */
import { createRequire } from 'node:module';
import { _, Ajv, type ErrorObject, type ValidateFunction } from 'ajv';
// A CommonJS module whose exports are the function, with itself as `default` (what TypeScript sees).
import ajvStandalone from 'ajv/dist/standalone/index.js';
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.ts';
import { cachedDerivation, derivationCacheDir } from './derivation-cache.ts';
import { definitionFilePath } from './definitions.ts';
import { FHIR_SCHEMA_ID, fhirSchema } from './fhir-schema.ts';

/** More errors than this from one resource say nothing new; the outcome stays readable. */
const MAX_STRUCTURE_ISSUES = 50;

let ajv: Ajv | undefined;
const validators = new Map<string, ValidateFunction>();

/** What the generated code of a validator calls its formats by (see FORMATS): resolved by `requireForValidator`. */
const FORMATS_MODULE = 'vitrine:fhir-formats';

function createAjv(): Ajv {
  const instance = new Ajv({
    allErrors: true,
    strict: true,
    logger: false,
    // Errors carry the offending value, for diagnostics.
    verbose: true,
    // ajv's optimisation passes cost a third of the compile time of the first type (which compiles every
    // datatype) and gain nothing measurable when validating. The source is kept for the derivation cache.
    code: { optimize: false, source: true, formats: _`require(${FORMATS_MODULE})` },
  });
  for (const [name, format] of Object.entries(FORMATS)) instance.addFormat(name, format);
  instance.addSchema({ $id: FHIR_SCHEMA_ID, definitions: fhirSchema().definitions });
  return instance;
}

/**
 * The compiled validator for one resource type; undefined for a name that is not a concrete resource type.
 * Compiling the first few types takes each process (and each ingest worker) half a second or more, so the
 * generated code is kept in the derivation cache, keyed by the schema and by the code that builds and repairs it.
 */
function validatorFor(resourceType: string): ValidateFunction | undefined {
  let validate = validators.get(resourceType);
  if (!validate) {
    if (!isResourceType(resourceType)) return undefined;
    if (GROUPED_TYPES.includes(resourceType)) {
      compileValidators('validators-grouped', GROUPED_TYPES);
    } else {
      compileValidators(`validator-${resourceType}`, [resourceType]);
    }
    validate = validators.get(resourceType)!;
  }
  return validate;
}

/**
 * The resource types that an ingest of clinical records validates by the thousand: those Synthea writes, the seed
 * generator's, and US Core's. Their validators are compiled into one module, so that they share the validators of
 * their datatypes: the standalone code of one type holds every definition it reaches, so a module per type would
 * have its own copy of Coding, Reference, Extension... for each thread to load, warm up and optimize. One module:
 * 5 MB for these 27 types, against ~1 MB for each alone. On the generated data each ingest thread's first batch took
 * ~400 ms less, and the whole ingest ~3% less CPU. Every other type has a module of its own, made when first needed.
 */
const GROUPED_TYPES: readonly string[] = [
  'Patient', 'Encounter', 'Observation', 'Condition', 'Procedure', 'MedicationRequest', 'Immunization', 'DiagnosticReport',
  'ImagingStudy', 'AllergyIntolerance', 'CarePlan', 'CareTeam', 'Goal', 'Claim', 'ExplanationOfBenefit', 'Coverage',
  'Organization', 'Practitioner', 'PractitionerRole', 'Location', 'Device', 'DocumentReference', 'Medication',
  'MedicationAdministration', 'Provenance', 'ServiceRequest', 'Specimen',
];

/** Compiles (or reads from the derivation cache) one module of the types' validators, each exported by its type. */
function compileValidators(name: string, resourceTypes: readonly string[]): void {
  const compiled = new Map<string, ValidateFunction>();
  // Each type's validator is its own schema (a $ref to its definition), so that a module exports it by that id.
  const compile = (): Record<string, string> => {
    ajv ??= createAjv();
    const ids: Record<string, string> = {};
    for (const type of resourceTypes) {
      ids[type] = `vitrine:validator:${type}`;
      if (!ajv.getSchema(ids[type])) ajv.addSchema({ $ref: `${FHIR_SCHEMA_ID}#/definitions/${type}` }, ids[type]);
      compiled.set(type, ajv.getSchema(ids[type])!);
    }
    return ids;
  };
  if (derivationCacheDir() === undefined) {
    compile(); // with the cache off, nothing would keep the generated code: none is generated
  } else {
    const inputs = { files: [definitionFilePath('fhir.schema.json'), AJV_MANIFEST], code: VALIDATOR_CODE };
    const source = cachedDerivation(name, inputs, () => {
      const ids = compile();
      return ajvStandalone.default(ajv!, ids);
    });
    if (compiled.size === 0) {
      const loaded = loadValidators(source);
      for (const type of resourceTypes) validators.set(type, loaded[type]);
      return;
    }
  }
  for (const type of resourceTypes) validators.set(type, compiled.get(type)!);
}

const requireFromHere = createRequire(import.meta.url);
const AJV_MANIFEST = requireFromHere.resolve('ajv/package.json');
/** The modules whose code decides what a validator checks: the schema's repairs, the definitions they use, this one. */
const VALIDATOR_CODE = [import.meta.url, new URL('./fhir-schema.ts', import.meta.url).href, new URL('./definitions.ts', import.meta.url).href];

/** Validators from their generated code (a CommonJS module that requires ajv's runtime helpers and the formats). */
function loadValidators(source: string): Record<string, ValidateFunction> {
  const module: { exports: Record<string, ValidateFunction> } = { exports: {} };
  const requireForValidator = (id: string) => (id === FORMATS_MODULE ? FORMATS : requireFromHere(id));
  new Function('require', 'module', 'exports', source)(requireForValidator, module, module.exports);
  return module.exports;
}

/** The formats checked in code (FORMAT_FOR_TYPE in fhir-schema.ts names which types use them). */
const FORMATS = {
  'fhir-base64': { type: 'string' as const, validate: isBase64 },
  'fhir-date': { type: 'string' as const, validate: isCalendarDate },
};

let resourceTypeSet: Set<string> | undefined;

/** True for the 146 concrete R4 resource types (not Resource or DomainResource). */
export function isResourceType(name: string): boolean {
  resourceTypeSet ??= new Set(fhirSchema().resourceTypes);
  return resourceTypeSet.has(name);
}

/**
 * Checks `resource` (whose resourceType is known to be valid) against its type's schema. Nested resources are
 * only checked to be objects with a resourceType: the caller validates each with its own type.
 */
export function checkStructure(resource: Record<string, unknown>, expression: string): OperationOutcomeIssue[] {
  const validate = validatorFor(resource.resourceType as string);
  if (!validate || validate(resource)) return [];
  const issues: OperationOutcomeIssue[] = [];
  const seen = new Set<string>();
  const errors = validate.errors ?? [];
  // A value of the wrong JSON type also fails the enum or pattern meant for the right one: report the type only.
  const wrongType = new Set(errors.filter((e) => e.keyword === 'type').map((e) => e.instancePath));
  for (const error of errors) {
    if (error.keyword !== 'type' && wrongType.has(error.instancePath)) continue;
    const converted = toIssue(error, expression);
    if (!converted) continue;
    const key = `${converted.expression?.[0]}|${converted.diagnostics}`;
    if (seen.has(key)) continue;
    seen.add(key);
    issues.push(converted);
    if (issues.length >= MAX_STRUCTURE_ISSUES) break;
  }
  return issues;
}

/** The FHIR type named by the schema definition an error came from, e.g. `date` from `#/definitions/date/pattern`. */
function definitionName(error: ErrorObject): string | undefined {
  return /#\/definitions\/([^/]+)\/[^/]+$/.exec(error.schemaPath)?.[1]?.replace(/^nullable-/, '');
}

function toIssue(error: ErrorObject, base: string): OperationOutcomeIssue | undefined {
  const expression = instanceExpression(base, error.instancePath);
  const value = error.data;
  switch (error.keyword) {
    case 'additionalProperties': {
      const name = (error.params as { additionalProperty: string }).additionalProperty;
      return issue('error', 'structure', `Unknown element '${name}'`, childExpression(expression, name));
    }
    case 'required': {
      const name = (error.params as { missingProperty: string }).missingProperty;
      return issue('error', 'required', `Missing required element '${name}'`, childExpression(expression, name));
    }
    case 'type': {
      if (typeof value === 'number' && String((error.params as { type: unknown }).type).startsWith('integer')) {
        return issue('error', 'value', `Invalid ${definitionName(error) ?? 'integer'}: ${value} is not an integer`, expression);
      }
      const wanted = String((error.params as { type: string | string[] }).type).replace(/,null$/, '');
      const fhirType = definitionName(error);
      const what = fhirType && fhirType !== wanted ? `${fhirType} (a JSON ${wanted})` : `a JSON ${wanted}`;
      return issue('error', 'structure', `Wrong JSON type: expected ${what}, found ${jsonTypeOf(value)}`, expression);
    }
    case 'minItems':
      return issue('error', 'structure', 'Arrays must not be empty: leave the element out instead', expression);
    case 'enum': {
      const allowed = (error.params as { allowedValues: unknown[] }).allowedValues.join(', ');
      return issue('error', 'code-invalid', `Invalid code '${String(value)}': expected one of ${allowed}`, expression);
    }
    case 'const':
      return issue('error', 'structure', `Wrong value '${String(value)}': expected '${String(
        (error.params as { allowedValue: unknown }).allowedValue,
      )}'`, expression);
    case 'maxLength':
      return issue('error', 'value', 'String exceeds the FHIR limit of 1 MB', expression);
    case 'pattern':
    case 'format':
    case 'minimum':
    case 'maximum':
      return issue('error', 'value', `Invalid ${definitionName(error) ?? 'value'}: ${preview(value)}`, expression);
    case 'anyOf':
      // Only for the nullable array items, whose non-null branch reports the actual error.
      return undefined;
    default:
      return issue('error', 'structure', error.message ?? 'Invalid structure', expression);
  }
}

/** The location of a child element; the `_name` of a primitive's extensions is located at the primitive. */
function childExpression(parent: string, jsonKey: string): string {
  return `${parent}.${jsonKey.startsWith('_') ? jsonKey.slice(1) : jsonKey}`;
}

/** `/name/0/_given/1` under `Patient` -> `Patient.name[0].given[1]`. */
function instanceExpression(base: string, instancePath: string): string {
  if (!instancePath) return base;
  let out = base;
  for (const segment of instancePath.slice(1).split('/')) {
    const name = segment.replace(/~1/g, '/').replace(/~0/g, '~');
    out = /^\d+$/.test(name) ? `${out}[${name}]` : childExpression(out, name);
  }
  return out;
}

function jsonTypeOf(value: unknown): string {
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  return typeof value === 'object' ? 'an object' : `a ${typeof value}`;
}

function preview(value: unknown): string {
  const text = typeof value === 'string' ? `'${value}'` : JSON.stringify(value);
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

/** RFC 4648 base64, whitespace allowed between characters; linear time whatever the input. */
function isBase64(value: string): boolean {
  const compact = value.replace(/\s+/g, '');
  return compact.length % 4 === 0 && /^[A-Za-z0-9+/]*={0,2}$/.test(compact);
}

/** The schema's date patterns allow 2023-02-31; FHIR dates "SHALL be valid dates". */
function isCalendarDate(value: string): boolean {
  // The pattern has checked the shape: YYYY, YYYY-MM or YYYY-MM-DD, then maybe a time.
  if (value.length < 10) return true;
  const day = (value.charCodeAt(8) - 48) * 10 + value.charCodeAt(9) - 48;
  if (day <= 28) return true;
  const month = (value.charCodeAt(5) - 48) * 10 + value.charCodeAt(6) - 48;
  const year = Number(value.slice(0, 4));
  const leap = year % 4 === 0 && (year % 100 !== 0 || year % 400 === 0);
  const days = month === 2 ? (leap ? 29 : 28) : month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
  return day <= days;
}
