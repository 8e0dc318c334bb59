/**
 * What the matching documents' reference keys with one prefix (`patient|`) name: the keys themselves
 * (Store.referenceKeys), or the numbers of the documents they point to (Store.referenceTargets, a resolved `_has`).
 * Both read the keys from the type's reference column by number where it has one.
 */
import { parseReference } from '../../search/index-keys.ts';
import type { Filter } from '../types.ts';
import { planCandidates } from './candidate-selection.ts';
import { NO_ENTRY } from './date-column.ts';
import { alignableList, documentsOf, indexLookups, matchingDocuments, matchingNumbers, postingCandidateNumbers, typeOf } from './document-query.ts';
import type { MemoryDocument, MemoryState } from './memory-state.ts';
import { ReferenceColumn } from './reference-column.ts';

/** The distinct ref keys with `prefix` of the matching documents (see Store.referenceKeys). */
export function referenceKeysOf(state: MemoryState, filter: Filter, prefix: string): string[] {
  const { column, seen, others } = matchedKeys(state, filter, prefix);
  if (column) for (let k = 0; k < seen.length; k++) if (seen[k] === 1) others.add(column.keyOf(k));
  return [...others];
}

/**
 * The numbers of the `targetType` documents that the matching documents' keys with `prefix` point to (see
 * Store.referenceTargets): a key's target is looked up once and kept in the column, so a cohort of thousands of
 * Patients is told without a `Patient/<id>` string parsed or hashed per search. Unordered, possibly repeated.
 */
export function referenceTargetsOf(state: MemoryState, filter: Filter, prefix: string, targetType: string): number[] {
  const { column, seen, others } = matchedKeys(state, filter, prefix);
  const targetOf = (key: string) => referencedNumber(state, key.slice(prefix.length), targetType);
  const targets: number[] = [];
  if (column) {
    for (let k = 0; k < seen.length; k++) {
      if (seen[k] !== 1) continue;
      const target = column.targetOf(k, targetType, targetOf);
      if (target !== undefined) targets.push(target);
    }
  }
  for (const key of others) {
    const target = targetOf(key);
    if (target !== undefined) targets.push(target);
  }
  return targets;
}

/** `Type/id` (or an absolute URL ending so) as the number of that document when it is of `targetType` and exists. */
function referencedNumber(state: MemoryState, reference: string, targetType: string): number | undefined {
  const typed = parseReference(reference);
  return typed?.type === targetType ? state.numbersOf(targetType, [typed.id])[0] : undefined;
}

/**
 * The keys of the matches: as numbers into the column's key table (`seen[k]` is 1) for the documents the column
 * holds one key of — most of them: an Observation has one patient — and as strings for the rest.
 */
function matchedKeys(state: MemoryState, filter: Filter, prefix: string): { column?: ReferenceColumn; seen: Uint8Array; others: Set<string> } {
  const plan = planCandidates(filter, indexLookups(state));
  const type = typeOf(filter);
  const others = new Set<string>();
  // A deleted document has no key in the column, so an exact plan's candidates are read without a deletion test.
  const exactPostings = type !== undefined && plan.exact && plan.sets.length > 0 && plan.sets.every((set) => set.postings);
  const numbers = type === undefined ? undefined : exactPostings ? postingCandidateNumbers(plan) : matchingNumbers(state, plan, type);
  const column = type === undefined || !numbers ? undefined : state.referenceColumn(type, prefix, numbers.length);
  if (type === undefined || !numbers || !column) {
    // Without the column too, a deleted document adds no key (addKeys), so the numbers need no deletion test.
    const matches = numbers ? documentsOf(state, numbers) : matchingDocuments(state, plan);
    for (const document of matches) addKeys(others, document, prefix);
    return { seen: new Uint8Array(0), others };
  }
  // One posting list's candidates (`Observation?code=X`): read the column aligned to it, in sequence.
  const list = exactPostings ? alignableList(plan) : undefined;
  const read = list ? state.alignedColumn(type, list, column) : column;
  const seen = new Uint8Array(column.keyCount);
  for (let i = 0; i < numbers.length; i++) {
    const n = numbers[i];
    const keyNumber = read.keyNumberOf(list ? i : n);
    if (ReferenceColumn.isKey(keyNumber)) seen[keyNumber] = 1;
    else if (read.entriesOf(list ? i : n) !== NO_ENTRY) addKeys(others, state.recordOf(n).document, prefix);
  }
  return { column, seen, others };
}

/** A deleted document's keys are none, whatever its write carried (as the reference column has it). */
function addKeys(keys: Set<string>, document: MemoryDocument, prefix: string): void {
  if (document.deleted) return;
  for (const key of document.ref) if (key.startsWith(prefix)) keys.add(key);
}
