/**
 * The de-identified profiles a site enforces on every write (profiles/structure-definitions/): elements a profile
 * forbids (max 0: Patient.name, telecom, address.line, photo...) and its constraints (identifiers only as
 * pseudonyms, ZIP3). Checked natively from the StructureDefinitions so the check costs little on every write;
 * a breach is refused with 422 and the element named, never silently altered.
 * https://hl7.org/fhir/R4/profiling.html
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { issue } from '../fhir/outcomes.ts';
import type { ResourcePipeline } from '../fhir/pipeline.ts';

interface ProfileCheck {
  url: string;
  /** Element paths below the type that must be absent. */
  forbidden: string[][];
  constraints: { key: string; human: string; test: (resource: unknown) => unknown[] }[];
}

const DIR = fileURLToPath(new URL('../../profiles/structure-definitions/', import.meta.url));
let checksByType: Map<string, ProfileCheck[]> | undefined;

interface DifferentialElement {
  path: string;
  max?: string;
  constraint?: { key: string; human: string; expression: string; severity: string }[];
}

function loadChecks(dir = DIR): Map<string, ProfileCheck[]> {
  const byType = new Map<string, ProfileCheck[]>();
  for (const file of readdirSync(dir).filter((f) => f.endsWith('.json')).sort()) {
    const sd = JSON.parse(readFileSync(path.join(dir, file), 'utf8')) as { url: string; type: string; differential?: { element: DifferentialElement[] } };
    const check: ProfileCheck = { url: sd.url, forbidden: [], constraints: [] };
    for (const element of sd.differential?.element ?? []) {
      if (element.max === '0') check.forbidden.push(element.path.split('.').slice(1));
      for (const c of element.constraint ?? []) {
        if (c.severity !== 'error') continue;
        const compiled = fhirpath.compile(c.expression, r4model) as unknown as (r: unknown) => unknown[];
        check.constraints.push({ key: c.key, human: c.human, test: compiled });
      }
    }
    byType.set(sd.type, [...(byType.get(sd.type) ?? []), check]);
  }
  return byType;
}

/** Issues (errors, 422) for everything in the resource that the de-identified profile of its type forbids. */
export function checkDeidentified(resource: Resource): OperationOutcomeIssue[] {
  checksByType ??= loadChecks();
  const checks = checksByType.get(resource.resourceType);
  if (!checks) return [];
  const issues: OperationOutcomeIssue[] = [];
  for (const check of checks) {
    for (const steps of check.forbidden) {
      if (isPresent(resource, steps)) {
        const element = [resource.resourceType, ...steps].join('.');
        issues.push(issue('error', 'processing', `${element} identifies a person and is not allowed on a de-identified site (profile ${check.url})`, element));
      }
    }
    for (const constraint of check.constraints) {
      if (constraint.test(resource)[0] !== true) {
        issues.push(issue('error', 'processing', `${constraint.key}: ${constraint.human} (profile ${check.url})`, resource.resourceType));
      }
    }
  }
  return issues;
}

/** The pipeline with the de-identified profiles checked on every write, after the core validation. */
export function withDeidentifiedProfiles(pipeline: ResourcePipeline): ResourcePipeline {
  return {
    ...pipeline,
    validate: (resource, profile) => {
      const issues = pipeline.validate(resource, profile);
      return issues.some((i) => i.severity === 'error' || i.severity === 'fatal') ? issues : [...issues, ...checkDeidentified(resource)];
    },
  };
}

function isPresent(node: unknown, steps: string[]): boolean {
  if (node === undefined || node === null) return false;
  if (Array.isArray(node)) return node.some((item) => isPresent(item, steps));
  if (steps.length === 0) return true;
  if (typeof node !== 'object') return false;
  const json = node as Record<string, unknown>;
  const [head, ...rest] = steps;
  return isPresent(json[head], rest) || (rest.length === 0 && json[`_${head}`] !== undefined);
}
