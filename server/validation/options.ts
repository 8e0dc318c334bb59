/**
 * The options of a validation (https://hl7.org/fhir/R4/validation.html) beyond the profile, each off unless asked
 * for, and the one rule that is on by default: an extension needs a known definition or a URL from an allowed
 * domain (https://hl7.org/fhir/R4/extensibility.html#Extension: "every extension SHALL have a formal
 * definition"; one this server cannot see is only trusted from the domains below). They mirror the options the
 * HL7 Java validator is run with in its test cases (security-checks, examples, noHtmlInMarkdown, validateContains,
 * allowed-extension-domain), so a site config can turn them on.
 */

export interface ValidateOptions {
  /** Canonical URL of a StructureDefinition: a core type or a profile from the project's profiles/ folder. */
  profile?: string;
  /** Refuse string values that look like HTML tags (<script>, <img ...>) outside the xhtml narrative. */
  securityChecks?: boolean;
  /** `false` refuses URLs on the reserved example domains (example.org, .com, .net) and extensions from them. */
  allowExampleUrls?: boolean;
  /** Refuse HTML tags in markdown, where a renderer may pass them through as HTML. */
  noHtmlInMarkdown?: boolean;
  /** `false` leaves contained resources unvalidated (the container's own rules about them still apply). */
  validateContained?: boolean;
  /**
   * More places whose extensions are accepted without a known definition, added to DEFAULT_EXTENSION_DOMAINS:
   * a host (`fhir.nhs.uk`, its subdomains too) or a URL prefix (`https://fhir.nhs.uk/StructureDefinition`).
   */
  extensionDomains?: readonly string[];
}

/**
 * Hosts whose extensions are accepted with no definition known here, subdomains included (terminology.hl7.org):
 * HL7 and the FHIR community (the core and IG extensions this server does not load), Synthea (its patients carry
 * synthetichealth.github.io extensions), DICOM's nema.org (HL7's own examples use it, and the Java validator
 * allows it) and this project.
 */
export const DEFAULT_EXTENSION_DOMAINS: readonly string[] = [
  'hl7.org',
  'fhir.org',
  'synthetichealth.github.io',
  'nema.org',
  'vitrine.dev',
];

/** The reserved example domains of RFC 2606. */
const EXAMPLE_DOMAINS = ['example.org', 'example.com', 'example.net'];

/** The options of one validation, resolved once: what the walk reads on every element. */
export interface ValidationPolicy {
  securityChecks: boolean;
  allowExampleUrls: boolean;
  noHtmlInMarkdown: boolean;
  validateContained: boolean;
  /** True when any check looks at the text of primitive values, so the walk cannot skip plain ones. */
  checksText: boolean;
  /** The verdict on each extension URL with no known definition, by URL: allowed or not. */
  unknownExtensions: Map<string, boolean>;
  extensionDomains: readonly string[];
}

const defaultPolicy = resolvePolicy({});

/** The policy for `options`; the default one is shared, so a validation without options allocates none. */
export function policyOf(options: ValidateOptions): ValidationPolicy {
  const plain =
    options.securityChecks === undefined &&
    options.allowExampleUrls === undefined &&
    options.noHtmlInMarkdown === undefined &&
    options.validateContained === undefined &&
    options.extensionDomains === undefined;
  return plain ? defaultPolicy : resolvePolicy(options);
}

function resolvePolicy(options: ValidateOptions): ValidationPolicy {
  const securityChecks = options.securityChecks === true;
  const allowExampleUrls = options.allowExampleUrls !== false;
  const noHtmlInMarkdown = options.noHtmlInMarkdown === true;
  return {
    securityChecks,
    allowExampleUrls,
    noHtmlInMarkdown,
    validateContained: options.validateContained !== false,
    checksText: securityChecks || !allowExampleUrls || noHtmlInMarkdown,
    unknownExtensions: new Map(),
    extensionDomains: [
      ...DEFAULT_EXTENSION_DOMAINS,
      ...(options.extensionDomains ?? []),
      // The Java validator accepts example extensions exactly when it accepts example URLs.
      ...(allowExampleUrls ? EXAMPLE_DOMAINS : []),
    ],
  };
}

/** The host of an absolute URL with an authority (`http://host/...`), lower case; undefined for others (urn:). */
export function hostOf(url: string): string | undefined {
  return /^[A-Za-z][A-Za-z0-9+.-]*:\/\/(?:[^/?#@]*@)?([^/?#:]+)/.exec(url)?.[1].toLowerCase();
}

/** True for a URL on a reserved example domain or a subdomain of one (http://repository.example.org/...). */
export function isExampleUrl(url: string): boolean {
  const host = hostOf(url);
  return host !== undefined && EXAMPLE_DOMAINS.some((domain) => inDomain(host, domain));
}

/**
 * True when an extension whose definition is unknown may still be used: its URL is relative (a sub-extension,
 * named by its parent's definition), or on an allowed host, or under an allowed URL prefix.
 */
export function unknownExtensionAllowed(url: string, policy: ValidationPolicy): boolean {
  let allowed = policy.unknownExtensions.get(url);
  if (allowed === undefined) {
    allowed = !/^[A-Za-z][A-Za-z0-9+.-]*:/.test(url) || inAllowedDomain(url, policy.extensionDomains);
    // Bounded: one entry per distinct URL, and a resource can only hold so many.
    if (policy.unknownExtensions.size < 10_000) policy.unknownExtensions.set(url, allowed);
  }
  return allowed;
}

function inAllowedDomain(url: string, domains: readonly string[]): boolean {
  const host = hostOf(url);
  return domains.some((domain) =>
    domain.includes('/') ? url.startsWith(domain) : host !== undefined && inDomain(host, domain.toLowerCase()),
  );
}

function inDomain(host: string, domain: string): boolean {
  return host === domain || host.endsWith(`.${domain}`);
}
