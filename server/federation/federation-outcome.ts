/** The OperationOutcome that travels with every federated answer: what was applied, and which sites failed and why. */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';
import { issue } from '../fhir/outcomes.ts';
import type { SiteResult } from './site-client.ts';

export function federationOutcome(results: SiteResult[], applied: string[], extra: OperationOutcomeIssue[] = []): OperationOutcome {
  const issues: OperationOutcomeIssue[] = [];
  const failed = results.filter((r) => !r.ok);
  if (failed.length > 0) {
    issues.push(issue('warning', 'incomplete', `Partial answer: ${failed.length} of ${results.length} sites did not contribute`));
  }
  for (const r of failed) {
    if (!r.ok) issues.push(siteIssue(r.site, r.kind === 'refused' ? 'forbidden' : r.kind === 'timeout' ? 'timeout' : 'transient', `${r.site}: ${r.reason}`));
  }
  for (const text of applied) issues.push(issue('information', 'informational', `hub policy: ${text}`));
  issues.push(...extra);
  issues.push(
    issue('information', 'informational', `Sites answered: ${results.filter((r) => r.ok).map((r) => r.site).join(', ') || 'none'}`),
  );
  return { resourceType: 'OperationOutcome', issue: issues };
}

function siteIssue(site: string, code: OperationOutcomeIssue['code'], text: string): OperationOutcomeIssue {
  return { ...issue('warning', code, text), expression: [`site:${site}`] };
}
