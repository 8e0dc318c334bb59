/**
 * What the policy applied to an answer, in the two forms a client reads: OperationOutcome issues (on a count
 * Bundle, a MeasureReport's contained outcome, or a $stats Parameters) and extensions on a MeasureReport.
 */
import type { Extension, OperationOutcomeIssue } from '@medplum/fhirtypes';

export const DISCLOSURE_EXTENSION = 'https://vitrine.dev/fhir/StructureDefinition/disclosure-control';
/** Marks a suppressed number: valueCode `primary` or `complementary`. The true value is never sent. */
export const SUPPRESSED_EXTENSION = 'https://vitrine.dev/fhir/StructureDefinition/disclosure-suppressed';

export interface AppliedRules {
  /** `exact`: a site-internal caller with row-level scopes; `disclosure-control`: the policy applied. */
  mode: 'exact' | 'disclosure-control';
  minCellSize?: number;
  suppressedPrimary: number;
  suppressedComplementary: number;
  roundedTo?: number;
  noise?: string;
  epsilonSpent: number;
  budgetLeft?: number;
  budgetPeriod?: string;
  /** The same question over the same data was answered before: the same answer, no budget spent. */
  repeat?: boolean;
  notes: string[];
}

export function exactRules(): AppliedRules {
  return { mode: 'exact', suppressedPrimary: 0, suppressedComplementary: 0, epsilonSpent: 0, notes: [] };
}

/** The applied rules as informational issues, one fact each. */
export function appliedIssues(applied: AppliedRules): OperationOutcomeIssue[] {
  const info = (text: string): OperationOutcomeIssue => ({ severity: 'information', code: 'informational', diagnostics: text, details: { text } });
  if (applied.mode === 'exact') return [info('disclosure-control: not applied (site-internal caller with row-level access); values are exact')];
  const issues = [info(`disclosure-control: applied; minimum cell size ${applied.minCellSize}`)];
  const suppressed = applied.suppressedPrimary + applied.suppressedComplementary;
  if (suppressed > 0) {
    issues.push({
      severity: 'warning',
      code: 'suppressed',
      diagnostics: `suppressed: ${applied.suppressedPrimary} cell(s) below the minimum cell size, ${applied.suppressedComplementary} more so that none can be derived`,
    });
  }
  issues.push(info(`rounded-to: ${applied.roundedTo}`));
  issues.push(info(`noise: ${applied.noise}`));
  issues.push(info(`budget: spent ${round4(applied.epsilonSpent)}, left ${round4(applied.budgetLeft ?? 0)} this ${applied.budgetPeriod}${applied.repeat ? ' (repeat of an earlier answer: nothing spent)' : ''}`));
  for (const note of applied.notes) issues.push(info(note));
  return issues;
}

/** The applied rules as one complex extension on a MeasureReport. */
export function appliedExtension(applied: AppliedRules): Extension {
  const ext: Extension[] = [{ url: 'mode', valueCode: applied.mode }];
  if (applied.mode === 'disclosure-control') {
    ext.push({ url: 'minCellSize', valueInteger: applied.minCellSize });
    ext.push({ url: 'suppressedCells', valueInteger: applied.suppressedPrimary + applied.suppressedComplementary });
    ext.push({ url: 'roundedTo', valueInteger: applied.roundedTo });
    ext.push({ url: 'noise', valueString: applied.noise });
    ext.push({ url: 'epsilonSpent', valueDecimal: round4(applied.epsilonSpent) });
    ext.push({ url: 'budgetLeft', valueDecimal: round4(applied.budgetLeft ?? 0) });
    ext.push({ url: 'budgetPeriod', valueCode: applied.budgetPeriod });
    if (applied.repeat) ext.push({ url: 'repeat', valueBoolean: true });
  }
  for (const note of applied.notes) ext.push({ url: 'note', valueString: note });
  return { url: DISCLOSURE_EXTENSION, extension: ext };
}

function round4(x: number): number {
  return Math.round(x * 10_000) / 10_000;
}
