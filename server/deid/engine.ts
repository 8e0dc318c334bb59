/**
 * The de-identification engine: walks a resource with the type of every element known, gives each node the first
 * rule that selects it or one of its ancestors (a rule earlier in the file wins), applies that rule's method, and
 * replaces the id and every reference by keyed pseudonyms. The input is never modified.
 * Modelled on the rule semantics of microsoft/Tools-for-Health-Data-Anonymization (FHIRPath rules, first match wins).
 */
import type { Resource } from '@medplum/fhirtypes';
import { elementInfo, isPrimitiveType } from './fhir-types.ts';
import { keyedUniform, pseudonymId } from './keyed-hash.ts';
import { applyLeafMethod, applyNodeMethod, isNodeMethod, REMOVE, type MethodContext } from './methods.ts';
import { RuleIndex, type Frame, type LocationMatches } from './rule-index.ts';
import type { CompiledRule, RuleSet } from './rule-set.ts';
import { deidentifiedMeta, type SecurityLabel } from './security-labels.ts';

type Json = Record<string, unknown>;

/** Turns a source reference into the stored one (`Patient/<pseudonym>`), or throws DeidError when it cannot. */
export type ReferenceRewriter = (reference: string) => string;

export class DeidError extends Error {
  constructor(
    message: string,
    readonly expression?: string,
  ) {
    super(message);
  }
}

export interface Deidentifier {
  ruleSet: RuleSet;
  /**
   * De-identifies one resource. `patientKey` is the source id of the patient whose dates it holds (for dateShift);
   * `rewriteReference` maps its references. Returns the resource with a pseudonymous id and its labels in meta.
   */
  deidentify(resource: Resource, patientKey: string | undefined, rewriteReference: ReferenceRewriter): Resource;
}

/** Prepares a rule set for use with a key (the site's HMAC key, never stored with the data). */
export function createDeidentifier(ruleSet: RuleSet, key: Buffer, now = new Date()): Deidentifier {
  const index = new RuleIndex(ruleSet);
  const referenceYear = yearOfReference(ruleSet.referenceDate, now);
  return {
    ruleSet,
    deidentify(resource, patientKey, rewriteReference) {
      const labels = new Set<SecurityLabel>();
      const draw = keyedUniform(key, 'date-shift', patientKey ?? `${resource.resourceType}/${resource.id}`);
      const shiftDays = Math.floor(draw * (2 * ruleSet.dateShiftDays + 1)) - ruleSet.dateShiftDays;
      const ctx: WalkContext = { key, referenceYear, shiftDays, restrictedZip3: ruleSet.restrictedZip3, labels, location: '', index, rewriteReference };
      const out = walkResource(resource as unknown as Json, ctx, true);
      if (typeof resource.id === 'string') {
        out.id = pseudonymId(key, resource.resourceType, resource.id);
        labels.add('PSEUDED');
      }
      out.meta = deidentifiedMeta(resource.meta, labels, ruleSet);
      return reorder(out) as unknown as Resource;
    },
  };
}

interface WalkContext extends MethodContext {
  index: RuleIndex;
  rewriteReference: ReferenceRewriter;
}

interface ResourceScope {
  resourceType: string;
  frames: Frame[];
  located: LocationMatches | undefined;
}

/** One resource (the top one or a contained one): `id` and `meta` are left to the caller at the top. */
function walkResource(resource: Json, ctx: WalkContext, top: boolean): Json {
  const resourceType = String(resource.resourceType);
  const scope: ResourceScope = { resourceType, frames: [], located: ctx.index.fhirpathMatches(resource) };
  const inherited = ctx.index.ruleForRoot(resourceType);
  const out: Json = { resourceType };
  for (const [key, value] of Object.entries(resource)) {
    if (key === 'resourceType' || (top && (key === 'id' || key === 'meta'))) continue;
    if (key === 'id' || key === 'meta') {
      out[key] = value; // a contained resource's local id only has meaning inside its container
      continue;
    }
    const result = walkElement(resource, key, value, resourceType, scope, inherited, ctx);
    if (result !== REMOVE) out[key] = result;
  }
  return out;
}

function walkObject(node: Json, defPath: string, scope: ResourceScope, inherited: CompiledRule | undefined, ctx: WalkContext): Json | typeof REMOVE {
  const out: Json = {};
  let kept = false;
  for (const [key, value] of Object.entries(node)) {
    const result = walkElement(node, key, value, defPath, scope, inherited, ctx);
    if (result !== REMOVE) {
      out[key] = result;
      kept = true;
    }
  }
  return kept ? out : REMOVE;
}

function walkElement(parent: Json, key: string, value: unknown, defPath: string, scope: ResourceScope, inherited: CompiledRule | undefined, ctx: WalkContext): unknown {
  const info = elementInfo(defPath, key);
  if (!info) return inherited && inherited.method !== 'keep' ? REMOVE : value; // not FHIR: validation will say so
  scope.frames.push({ name: info.name, type: info.type });
  try {
    const own = ctx.index.firstNativeMatch(scope.resourceType, scope.frames);
    const rule = earliest(own, inherited);
    if (!Array.isArray(value)) return walkValue(parent, key, undefined, value, info, scope, earliest(rule, scope.located?.get(parent, key, undefined)), ctx);
    const items: unknown[] = [];
    value.forEach((item, i) => {
      const result = walkValue(parent, key, i, item, info, scope, earliest(rule, scope.located?.get(parent, key, i)), ctx);
      if (result !== REMOVE) items.push(result);
    });
    return items.length > 0 || value.length === 0 ? items : REMOVE;
  } finally {
    scope.frames.pop();
  }
}

function walkValue(parent: Json, key: string, index: number | undefined, value: unknown, info: { name: string; type: string; defPath: string }, scope: ResourceScope, rule: CompiledRule | undefined, ctx: WalkContext): unknown {
  if (value === null || typeof value !== 'object') {
    if (!isPrimitiveType(info.type) && info.type !== 'xhtml') return rule && rule.method !== 'keep' ? REMOVE : value;
    if (key === 'reference' && scope.frames.length > 1 && scope.frames[scope.frames.length - 2].type === 'Reference') {
      if (rule?.method === 'redact') return REMOVE;
      return typeof value === 'string' ? ctx.rewriteReference(value) : value;
    }
    if (!rule) return value;
    ctx.location = `${scope.resourceType}.${scope.frames.map((f) => f.name).join('.')}${index === undefined ? '' : `[${index}]`}`;
    return applyLeafMethod(rule, value, info.type, info.name, ctx);
  }
  if (info.type === 'Resource') {
    if (rule && rule.method !== 'keep') {
      ctx.labels.add('REDACTED');
      return REMOVE; // a rule that selects contained resources as a whole removes them
    }
    return walkResource(value as Json, { ...ctx }, false);
  }
  if (rule && isNodeMethod(rule, info.type)) return applyNodeMethod(rule, value as Json, ctx);
  return walkObject(value as Json, info.defPath, scope, rule, ctx);
}

function earliest(a: CompiledRule | undefined, b: CompiledRule | undefined): CompiledRule | undefined {
  if (!a) return b;
  if (!b) return a;
  return a.index <= b.index ? a : b;
}

/** resourceType, id, meta first, as servers write them. */
function reorder(resource: Json): Json {
  const { resourceType, id, meta, ...rest } = resource;
  return { resourceType, id, meta, ...rest };
}

function yearOfReference(referenceDate: string | undefined, now: Date): number {
  return referenceDate ? Number(referenceDate.slice(0, 4)) : now.getUTCFullYear();
}
