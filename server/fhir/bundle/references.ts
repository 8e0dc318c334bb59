/**
 * Reference resolution inside a transaction: `urn:uuid:` fullUrls of new entries and conditional references
 * (`Patient?identifier=...`) become `Type/id` before any entry runs. https://hl7.org/fhir/R4/http.html#trules
 */
import type { FhirContext } from '../context.ts';
import { findSingleMatch, queryPairs } from '../matches.ts';
import { preconditionFailed } from '../outcomes.ts';

/** Replaces every `reference` in `value` found in `targets` (fullUrl -> "Type/id"), in place. */
export function rewriteReferences(value: unknown, targets: Map<string, string>): void {
  if (value === null || typeof value !== 'object') return;
  if (Array.isArray(value)) {
    for (const item of value) rewriteReferences(item, targets);
    return;
  }
  const record = value as Record<string, unknown>;
  for (const [key, child] of Object.entries(record)) {
    if (key === 'reference' && typeof child === 'string') {
      const target = targets.get(child);
      if (target) record[key] = target;
    } else {
      rewriteReferences(child, targets);
    }
  }
}

/** Collects conditional references (`Type?criteria`) found anywhere in `value`. */
export function collectConditionalReferences(value: unknown, found: Set<string>): Set<string> {
  if (value === null || typeof value !== 'object') return found;
  for (const [key, child] of Object.entries(value as Record<string, unknown>)) {
    if (key === 'reference' && typeof child === 'string' && /^[A-Z][A-Za-z]+\?/.test(child)) found.add(child);
    else collectConditionalReferences(child, found);
  }
  return found;
}

/** Resolves a conditional reference to exactly one existing resource; none or several fails the transaction. */
export async function resolveConditionalReference(ctx: FhirContext, reference: string): Promise<string> {
  const [type, query] = reference.split('?', 2);
  const match = await findSingleMatch(ctx, type, queryPairs(query));
  if (!match) throw preconditionFailed(`Conditional reference ${reference} matches no resource`);
  return `${type}/${match.id}`;
}
