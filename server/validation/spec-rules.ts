/**
 * Rules of the R4 specification that are written in prose, not as constraints, checked on every instance of a
 * type as the HL7 validator does:
 * - Attachment.size is the number of bytes of data (https://hl7.org/fhir/R4/datatypes.html#Attachment);
 * - Bundle.entry.fullUrl is an absolute URL, and a link relation occurs once
 *   (https://hl7.org/fhir/R4/bundle.html#bundle-unique). That the fullUrl agrees with the resource id is not
 *   checked: three HL7 examples break it;
 * - a reference between entries names one entry, not several versions (bundle-references.ts);
 * - a search result (search.mode match) has an id, a search outcome is an OperationOutcome
 *   (https://hl7.org/fhir/R4/bundle-definitions.html#Bundle.entry.search.mode);
 * - a composite SearchParameter has two or more components, and a derived one keeps the type and the bases of
 *   the one it derives from (https://hl7.org/fhir/R4/searchparameter.html).
 */
import { checkAmbiguousReferences } from './bundle-references.ts';
import { coreSearchParameters } from './definitions.ts';

type Json = Record<string, unknown>;

export type Report = (code: 'value' | 'invariant', text: string, expression: string) => void;

export const TYPE_RULES: Record<string, (node: Json, expression: string, report: Report) => void> = {
  Attachment: (attachment, expression, report) => {
    if (typeof attachment.data !== 'string' || typeof attachment.size !== 'number') return;
    const compact = attachment.data.replace(/\s+/g, '');
    const bytes = (compact.length * 3) / 4 - (compact.endsWith('==') ? 2 : compact.endsWith('=') ? 1 : 0);
    if (bytes !== attachment.size) {
      report('value', `Attachment size ${attachment.size} does not match the ${bytes} bytes of data`, `${expression}.size`);
    }
  },
  Bundle: (bundle, expression, report) => {
    const entries = Array.isArray(bundle.entry) ? bundle.entry : [];
    entries.forEach((entry: Json, i) => {
      const fullUrl = entry?.fullUrl;
      if (typeof fullUrl === 'string' && !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(fullUrl)) {
        report('value', `The fullUrl must be an absolute URL (not '${fullUrl}')`, `${expression}.entry[${i}].fullUrl`);
      }
    });
    if (bundle.type === 'searchset') {
      entries.forEach((entry: Json, i) => {
        const mode = (entry?.search as Json | undefined)?.mode;
        const resource = entry?.resource as Json | undefined;
        if (!resource) return;
        if (mode === 'match' && resource.id === undefined) {
          report('value', 'Search results must have ids', `${expression}.entry[${i}].resource`);
        } else if (mode === 'outcome' && resource.resourceType !== 'OperationOutcome') {
          report('value', `A search outcome must be an OperationOutcome, not ${String(resource.resourceType)}`, `${expression}.entry[${i}].resource`);
        }
      });
    }
    const relations = new Set<unknown>();
    (Array.isArray(bundle.link) ? bundle.link : []).forEach((link: Json, i) => {
      if (relations.has(link?.relation)) {
        report('value', `The link relation '${String(link.relation)}' can only occur once`, `${expression}.link[${i}]`);
      }
      relations.add(link?.relation);
    });
    checkAmbiguousReferences(bundle, expression, (text, at) => report('value', text, at));
  },
  SearchParameter: (parameter, expression, report) => {
    const components = Array.isArray(parameter.component) ? parameter.component.length : 0;
    if (parameter.type === 'composite' && components < 2) {
      report('value', 'A composite SearchParameter must define two or more components', expression);
    }
    const parent = typeof parameter.derivedFrom === 'string' ? coreParameter(parameter.derivedFrom) : undefined;
    if (!parent) return;
    if (parameter.type !== parent.type) {
      report('value', `The type ${String(parameter.type)} differs from the type ${parent.type} of ${String(parameter.derivedFrom)}`, `${expression}.type`);
    }
    for (const base of Array.isArray(parameter.base) ? parameter.base : []) {
      if (!parent.base.includes(base) && !parent.base.includes('Resource') && !parent.base.includes('DomainResource')) {
        report('value', `${String(base)} is not a base of ${String(parameter.derivedFrom)}`, `${expression}.base`);
      }
    }
  },
};

function coreParameter(canonical: string) {
  return coreSearchParameters().get(canonical.split('|')[0]);
}
