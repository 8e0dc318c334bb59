/**
 * The key formats of the `tok`, `ref` and presence entries of a stored document. Extraction and compilation both
 * build keys here, so a search value and an indexed value meet as one exact-match lookup.
 *
 *   token      "<param>|<system>|<code>"   system known
 *              "<param>|*|<code>"          any system        (search `code`)
 *              "<param>|<system>|*"        system alone      (search `system|`)
 *              "<param>||<code>"           no system         (search `|code`)
 *   of-type    "<param>:of-type|<type system>|<type code>|<value>"   (identifier:of-type)
 *   reference  "<param>|<Type>/<id>"       relative, also from absolute URLs ending in Type/id
 *              "<param>|<url>"             absolute URLs and canonicals as written
 *   ref ident  "<param>:identifier|..."    token forms of Reference.identifier
 *   presence   "<param>:present"           in `tok`: the parameter has at least one value (for :missing)
 *
 * Other entries: `str` has `{p: param, v: normalised}` and `{p: "<param>:exact", v: as written}`; `num` has the
 * recorded quantity under `param` and, for common UCUM units, `{p: "<param>:canonical", v, code: base unit}`;
 * composites store their second component under `"<param>|<system>|<code>"` forms of the first (tok/num/dt/str).
 * https://hl7.org/fhir/R4/search.html#token
 */

/** The one key a token search value looks up; `system` undefined = any system, '' = no system. */
export function tokenKey(param: string, system: string | undefined, code: string | undefined): string {
  return `${param}|${system ?? '*'}|${code ?? '*'}`;
}

/** Every key an indexed token (system, code) must be found under. */
export function tokenIndexKeys(param: string, system: string | undefined, code: string | undefined): string[] {
  if (!code) return system ? [`${param}|${system}|*`] : [];
  if (!system) return [`${param}||${code}`, `${param}|*|${code}`];
  return [`${param}|${system}|${code}`, `${param}|*|${code}`, `${param}|${system}|*`];
}

export function ofTypeKey(param: string, typeSystem: string, typeCode: string, value: string): string {
  return `${param}:of-type|${typeSystem}|${typeCode}|${value}`;
}

export function referenceKey(param: string, reference: string): string {
  return `${param}|${reference}`;
}

export function presenceKey(param: string): string {
  return `${param}:present`;
}

/** `Type/id` (with an optional `/_history/v`) at the end of a relative or absolute reference. */
const TYPED_REFERENCE = /(?:^|\/)([A-Z][A-Za-z]+)\/([A-Za-z0-9\-.]{1,64})(?:\/_history\/[A-Za-z0-9\-.]{1,64})?$/;

/** Splits a reference string into type and id when it names a resource as `Type/id`. */
export function parseReference(reference: string): { type: string; id: string } | undefined {
  const m = TYPED_REFERENCE.exec(reference);
  return m ? { type: m[1], id: m[2] } : undefined;
}
