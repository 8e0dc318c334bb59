/**
 * Runs one aggregate query for a caller under disclosure control: the rate limit first, and every policy refusal
 * the query meets (allow-list, minimums...) recorded in the release ledger before it is returned.
 */
import { OperationOutcomeError } from '../fhir/outcomes.ts';
import { POLICY_RULE_SYSTEM, type PolicyRule } from '../policy/refusals.ts';
import type { AggregateAccess } from './access.ts';

/** Already recorded by DisclosureControl itself. */
const SELF_RECORDED = new Set(['rate-limit', 'budget-exhausted']);

export async function runAggregate<T>(access: AggregateAccess, operation: string, query: string, run: () => Promise<T>): Promise<T> {
  if (access.mode === 'exact') return run();
  await access.control.admit(access.caller, operation, query);
  try {
    return await run();
  } catch (err) {
    const rule = err instanceof OperationOutcomeError ? policyRuleOf(err) : undefined;
    if (rule && !SELF_RECORDED.has(rule)) await access.control.recordRefusal(access.caller, operation, query, rule);
    throw err;
  }
}

/** The rule a policy refusal names, if it is one. */
export function policyRuleOf(err: OperationOutcomeError): PolicyRule | undefined {
  return err.outcome.issue?.[0]?.details?.coding?.find((c) => c.system === POLICY_RULE_SYSTEM)?.code as PolicyRule | undefined;
}
