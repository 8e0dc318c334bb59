/**
 * What happens to every resource on its way into the store: the checks and the index extraction. Injected into
 * the repository so the FHIR layer depends on the interfaces, not on validation/ or search/ internals.
 */
import type { OperationOutcomeIssue, Resource } from '@medplum/fhirtypes';
import type { IndexEntries } from '../store/types.ts';
import { OperationOutcomeError, outcome } from './outcomes.ts';

export interface ResourcePipeline {
  /** Issues found in the resource; any `error`/`fatal` refuses the write. */
  validate(resource: Resource, profile?: string): OperationOutcomeIssue[];
  /** The search index entries stored beside the resource. */
  extract(resource: Resource): IndexEntries;
}

const isError = (i: OperationOutcomeIssue) => i.severity === 'error' || i.severity === 'fatal';

/**
 * Throws when validation found errors: 400 for a resource that is not well-formed FHIR (structure), 422 for one
 * that is well-formed but breaks a rule (cardinality, invariant, profile) — https://hl7.org/fhir/R4/http.html#create
 */
export function assertValid(issues: OperationOutcomeIssue[]): void {
  const errors = issues.filter(isError);
  if (errors.length === 0) return;
  const structural = errors.some((i) => i.code === 'structure' || i.code === 'invalid');
  throw new OperationOutcomeError(outcome(...errors), structural ? 400 : 422);
}
