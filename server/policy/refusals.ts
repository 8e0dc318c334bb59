/**
 * Policy refusals: every one is a 403 (429 for rate limits) OperationOutcome that names its rule, as a code of
 * the rule system in `details.coding`, so a client can tell which rule stopped it.
 */
import { OperationOutcomeError, issue, outcome } from '../fhir/outcomes.ts';

export const POLICY_RULE_SYSTEM = 'https://vitrine.dev/fhir/CodeSystem/disclosure-rule';

/** The rules a refusal can name. */
export type PolicyRule =
  | 'aggregate-only'
  | 'filter-not-allowed'
  | 'stratifier-not-allowed'
  | 'expression-not-allowed'
  | 'budget-exhausted'
  | 'rate-limit'
  | 'statistics-need-bounds'
  | 'statistics-code-not-allowed'
  | 'histogram-bins'
  | 'admin-only';

/** A refusal by the disclosure policy (403, or 429 for `rate-limit`), naming its rule. */
export function policyRefusal(rule: PolicyRule, message: string, expression?: string): OperationOutcomeError {
  const found = issue('error', rule === 'rate-limit' ? 'throttled' : 'forbidden', `Rule ${rule}: ${message}`, expression);
  found.details = { coding: [{ system: POLICY_RULE_SYSTEM, code: rule }], text: `Rule ${rule}: ${message}` };
  return new OperationOutcomeError(outcome(found));
}
