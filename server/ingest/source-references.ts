/**
 * References as the source wrote them — `urn:uuid:` fullUrls of a Bundle, `Patient/123`, absolute URLs, conditional
 * references `Practitioner?identifier=sys|value` — turned into references to the pseudonymous ids, so they stay
 * consistent across files. https://hl7.org/fhir/R4/bundle.html#references
 */
import type { Identifier, Resource } from '@medplum/fhirtypes';
import { DeidError, type ReferenceRewriter } from '../deid/engine.ts';
import { pseudonymId } from '../deid/keyed-hash.ts';

export interface SourceEntry {
  resource: Resource;
  fullUrl?: string;
}

const LITERAL = /^(?:https?:\/\/[^?#]*\/)?([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;
const CONDITIONAL = /^([A-Z][A-Za-z]+)\?identifier=([^&]*)$/;
const PATIENT_ELEMENTS = ['subject', 'patient', 'beneficiary'] as const;

/** The entries read together (one Bundle, or a run of ndjson lines) and how their references resolve. */
export class SourceIndex {
  private readonly byFullUrl = new Map<string, { type: string; id: string }>();

  constructor(private readonly entries: SourceEntry[]) {
    for (const { resource, fullUrl } of entries) {
      if (fullUrl && typeof resource.id === 'string') this.byFullUrl.set(fullUrl, { type: resource.resourceType, id: resource.id });
    }
  }

  /** The source type and id a reference points to; throws DeidError when it cannot be resolved. */
  resolve(reference: string): { type: string; id: string } {
    const inBundle = this.byFullUrl.get(reference);
    if (inBundle) return inBundle;
    const literal = LITERAL.exec(reference);
    if (literal) return { type: literal[1], id: literal[2] };
    const conditional = CONDITIONAL.exec(reference);
    if (conditional) {
      const found = this.findByIdentifier(conditional[1], decodeURIComponent(conditional[2]));
      if (found) return found;
    }
    throw new DeidError(`Unresolved reference "${describe(reference)}": not in this Bundle and not of the form Type/id`);
  }

  /** A rewriter for the engine: every reference becomes Type/<pseudonym>; local (#) references stay. */
  rewriter(key: Buffer): ReferenceRewriter {
    return (reference) => {
      if (reference.startsWith('#')) return reference;
      const { type, id } = this.resolve(reference);
      return `${type}/${pseudonymId(key, type, id)}`;
    };
  }

  /** The source id of the patient a resource is about (its own for a Patient): the key of its date shift. */
  patientKeyOf(resource: Resource): string | undefined {
    if (resource.resourceType === 'Patient') return resource.id;
    const json = resource as unknown as Record<string, { reference?: unknown } | undefined>;
    for (const name of PATIENT_ELEMENTS) {
      const reference = json[name]?.reference;
      if (typeof reference !== 'string') continue;
      try {
        const target = this.resolve(reference);
        if (target.type === 'Patient') return target.id;
      } catch {
        // the engine reports unresolved references when it rewrites them
      }
    }
    return undefined;
  }

  private findByIdentifier(type: string, token: string): { type: string; id: string } | undefined {
    const bar = token.indexOf('|');
    const system = bar >= 0 ? token.slice(0, bar) : undefined;
    const value = bar >= 0 ? token.slice(bar + 1) : token;
    for (const { resource } of this.entries) {
      if (resource.resourceType !== type || typeof resource.id !== 'string') continue;
      const identifiers = (resource as { identifier?: Identifier[] }).identifier ?? [];
      if (identifiers.some((i) => i.value === value && (system === undefined || i.system === system))) return { type, id: resource.id };
    }
    return undefined;
  }
}

/** A reference named in a refusal without its id, which may itself identify someone. */
function describe(reference: string): string {
  return reference.replace(/[A-Za-z0-9\-.]{8,}/g, '…');
}
