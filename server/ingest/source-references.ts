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

/**
 * The entries read together (one Bundle, or a run of ndjson lines) and how their references resolve. Only what
 * resolution needs is kept (fullUrl and identifiers to type and id), so a streamed Bundle can be indexed in a first
 * pass without holding its resources.
 */
export class SourceIndex {
  private readonly byFullUrl = new Map<string, { type: string; id: string }>();
  /** `Type|system|value` and `Type||value` (any system) to the first id that carries the identifier. */
  private readonly byIdentifier = new Map<string, string>();

  constructor(entries: SourceEntry[] = []) {
    for (const entry of entries) this.add(entry);
  }

  /** Notes what references to this entry will need. */
  add({ resource, fullUrl }: SourceEntry): void {
    if (typeof resource?.id !== 'string' || typeof resource.resourceType !== 'string') return;
    const target = { type: resource.resourceType, id: resource.id };
    if (fullUrl && !this.byFullUrl.has(fullUrl)) this.byFullUrl.set(fullUrl, target);
    const identifiers = (resource as { identifier?: Identifier[] }).identifier;
    if (!Array.isArray(identifiers)) return;
    for (const { system, value } of identifiers) {
      if (typeof value !== 'string') continue;
      for (const key of [`${target.type}|${system ?? ''}|${value}`, `${target.type}||${value}`]) {
        if (!this.byIdentifier.has(key)) this.byIdentifier.set(key, target.id);
      }
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
    const key = bar >= 0 ? `${type}|${token}` : `${type}||${token}`;
    const id = this.byIdentifier.get(key);
    return id === undefined ? undefined : { type, id };
  }
}

/** A reference named in a refusal without its id, which may itself identify someone. */
function describe(reference: string): string {
  return reference.replace(/[A-Za-z0-9\-.]{8,}/g, '…');
}
