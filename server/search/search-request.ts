/**
 * The plain SearchRequest that parse.ts builds and compile.ts / execute.ts consume. No database types here.
 * https://hl7.org/fhir/R4/search.html
 */
import type { OperationOutcomeIssue } from '@medplum/fhirtypes';
import type { PageCursor } from './cursor.ts';
import type { SearchParamType } from './registry.ts';

export type Prefix = 'eq' | 'ne' | 'gt' | 'lt' | 'ge' | 'le' | 'sa' | 'eb' | 'ap';

/** One value of a parameter; the values of a filter are ORed. */
export type SearchValue =
  /** system undefined = any system, '' = no system; code undefined = any code (`system|`). */
  | { kind: 'token'; system?: string; code?: string }
  | { kind: 'ofType'; system: string; code: string; value: string }
  /** A code starting with `prefix` (`:below` on a URI-like code); only made by resolve-terminology.ts. */
  | { kind: 'tokenPrefix'; system?: string; prefix: string }
  | { kind: 'string'; text: string }
  | { kind: 'date'; prefix: Prefix; lo: Date; hi: Date }
  | { kind: 'number'; prefix: Prefix; value: number; lo: number; hi: number; system?: string; code?: string }
  /** `reference` is `Type/id` or a URL as given; `id` alone is resolved against the parameter's target types. */
  | { kind: 'reference'; reference?: string; id?: string }
  | { kind: 'uri'; uri: string }
  /** `first$second`: the first component is a token, a reference or a uri. */
  | { kind: 'composite'; first: SearchValue; second: SearchValue }
  | { kind: 'missing'; missing: boolean };

/** A parameter with its values (OR); the filters of a request are ANDed. */
export interface ParameterFilter {
  kind: 'parameter';
  code: string;
  type: SearchParamType;
  /**
   * `exact`, `contains`, `not`, `text`, `identifier`, `below`, `above`, `in`, `not-in`, `missing`, `of-type`, or a
   * resource type. Token `in`/`not-in`/`above`/`below` are resolved to plain values before compilation.
   */
  modifier?: string;
  values: SearchValue[];
  /** For reference parameters: the types a bare id may name. */
  targetTypes?: string[];
}

/** `subject:Patient.name=x`: resources whose `code` reference points at a match of `filter` in `targetTypes`. */
export interface ChainFilter {
  kind: 'chain';
  code: string;
  targetTypes: string[];
  filter: SearchFilter;
}

/** `_has:Observation:patient:code=x`: resources referenced by `code` of a `type` resource matching `filter`. */
export interface HasFilter {
  kind: 'has';
  type: string;
  code: string;
  filter: SearchFilter;
}

/**
 * A `_has` the store resolved into a condition in its own terms (Store.referenceTargets). Only resolve-chains.ts
 * makes it, and only for the query it is resolving: it is never parsed, kept or shown.
 */
export interface StoreConditionFilter {
  kind: 'store';
  code: string;
  condition: Record<string, unknown>;
}

export type SearchFilter = ParameterFilter | ChainFilter | HasFilter;

/** A filter whose chains and `_has` are resolved (resolve-chains.ts): what compile.ts translates. */
export type ResolvedFilter = ParameterFilter | StoreConditionFilter;

export interface SortRule {
  code: string;
  descending: boolean;
}

/** `_include=Type:param[:target]` or `_revinclude=...`; `*` as param means every reference parameter. */
export interface IncludeTarget {
  type: string;
  code: string;
  targetType?: string;
  iterate: boolean;
}

export interface SearchRequest {
  /** Undefined for a search across all types. */
  resourceType: string | undefined;
  /** `_type` on a system-level search. */
  types?: string[];
  /** "Patient/123" for a compartment search (https://hl7.org/fhir/R4/compartmentdefinition.html). */
  compartment?: string;
  filters: SearchFilter[];
  sort: SortRule[];
  count: number;
  offset: number;
  /** The client sent `_offset`: its paging links page by offset too. */
  offsetRequested?: boolean;
  /** `_cursor` from a next/previous link (keyset paging, see cursor.ts). */
  cursor?: PageCursor;
  include: IncludeTarget[];
  revinclude: IncludeTarget[];
  summary?: 'true' | 'text' | 'data' | 'count' | 'false';
  elements?: string[];
  total?: 'none' | 'estimate' | 'accurate';
  warnings: OperationOutcomeIssue[];
}
