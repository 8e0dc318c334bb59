/**
 * Validation of a FHIR R4 resource on write (https://hl7.org/fhir/R4/validation.html): the JSON guard, the
 * structure check against the official JSON schema (structure.ts), then the StructureDefinition rules and
 * constraints of the resource's type or of a profile (rules.ts), for the resource and every resource nested in it.
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.ts';
import { findUnsafeJson } from './guard.ts';
import { policyOf, type ValidateOptions } from './options.ts';
import { rulesForCoreType, rulesForUrl } from './registry.ts';
import { checkResource } from './rules.ts';
import { isResourceType } from './structure.ts';

type Json = Record<string, unknown>;

export type { ValidateOptions } from './options.ts';

/**
 * The issues found in `resource`: errors, and warnings for best-practice constraints. Never throws; an empty
 * list means valid. https://hl7.org/fhir/R4/operationoutcome.html
 */
export function validateResource(resource: unknown, options: ValidateOptions = {}): OperationOutcomeIssue[] {
  try {
    return deduplicate(validate(resource, options));
  } catch (err) {
    return [issue('error', 'exception', `Validation could not complete: ${(err as Error).message}`)];
  }
}

/** True when any issue is an error (or fatal): the resource must be refused. */
export function hasErrors(issues: readonly OperationOutcomeIssue[]): boolean {
  return issues.some((i) => i.severity === 'error' || i.severity === 'fatal');
}

/** Loads the definitions and compiles the validators of the given types now rather than on the first write. */
export function warmUpValidation(resourceTypes: readonly string[] = []): void {
  for (const type of resourceTypes) validateResource({ resourceType: type });
}

function validate(resource: unknown, options: ValidateOptions): OperationOutcomeIssue[] {
  if (typeof resource !== 'object' || resource === null || Array.isArray(resource)) {
    return [issue('error', 'structure', 'A resource must be a JSON object')];
  }
  const json = resource as Json;
  const resourceType = typeof json.resourceType === 'string' ? json.resourceType : undefined;
  const unsafe = findUnsafeJson(json);
  if (unsafe) return [issue('error', 'structure', unsafe.problem, `${resourceType ?? 'Resource'}.${unsafe.path}`)];
  if (json.resourceType === undefined) return [issue('error', 'required', 'The resource has no resourceType')];
  if (!resourceType || !isResourceType(resourceType)) {
    return [issue('error', 'structure', `Unknown resource type: ${String(json.resourceType)}`, 'resourceType')];
  }
  let rules = rulesForCoreType(resourceType);
  if (options.profile !== undefined) {
    const found = rulesForUrl(options.profile.split('|')[0]);
    if ('error' in found) return [issue('error', 'processing', found.error)];
    if (found.definition.type !== resourceType || found.definition.kind !== 'resource') {
      return [issue('error', 'processing', `Profile ${options.profile} is for ${found.definition.type}, not ${resourceType}`)];
    }
    rules = found.rules;
  }
  if (!rules) return [issue('error', 'exception', `No definition of ${resourceType}`)];
  const issues: OperationOutcomeIssue[] = [];
  checkResource(json, rules, resourceType, undefined, issues, policyOf(options));
  return issues;
}

/** The schema and the rules can both see a missing element or a wrong structure: report it once. */
function deduplicate(issues: OperationOutcomeIssue[]): OperationOutcomeIssue[] {
  if (issues.length < 2) return issues;
  const seen = new Set<string>();
  return issues.filter((i) => {
    if (i.code === 'invariant') return true;
    const key = `${i.code}|${i.expression?.[0]}`;
    if (seen.has(key)) return false;
    seen.add(key);
    return true;
  });
}
