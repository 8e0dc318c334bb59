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
 * composites store their second component under `"<param>|<system>|<code>"` forms of the first: in `tok` and `ref`
 * under every form, in `num`, `dt`, `str` and `uri` under the exact form alone (see wildcardNamesOf).
 * A `|` in a system is written `%7C` in every key, so a key's second `|` always ends its system.
 * https://hl7.org/fhir/R4/search.html#token
 */

/** The one key a token search value looks up; `system` undefined = any system, '' = no system. */
export function tokenKey(param: string, system: string | undefined, code: string | undefined): string {
  return `${param}|${system === undefined ? '*' : keySystem(system)}|${code ?? '*'}`;
}

/**
 * Every key an indexed token (system, code) must be found under: the same array of the same strings for the same
 * token (do not change it). A batch's tokens repeat (every vital-signs Observation has the same category and
 * status), and a string made once has its hash made once too, where each new one had to be joined up and hashed
 * again wherever it was looked up (coding a batch's entries, IndexCoder, spent a tenth of an ingest's prepare so).
 */
export function tokenIndexKeys(param: string, system: string | undefined, code: string | undefined): readonly string[] {
  // Identifier values are unique: the memo is emptied whole before it grows without end.
  if (madeKeyCount >= MADE_KEYS_LIMIT) {
    madeKeys.clear();
    madeKeyCount = 0;
  }
  let bySystem = madeKeys.get(param);
  if (!bySystem) madeKeys.set(param, (bySystem = new Map()));
  let byCode = bySystem.get(system ?? '');
  if (!byCode) bySystem.set(system ?? '', (byCode = new Map()));
  let keys = byCode.get(code ?? '');
  if (!keys) {
    byCode.set(code ?? '', (keys = makeTokenIndexKeys(param, system, code)));
    madeKeyCount++;
  }
  return keys;
}

const madeKeys = new Map<string, Map<string, Map<string, readonly string[]>>>();
let madeKeyCount = 0;
/** Tokens kept at most (about 10 MB of keys). */
const MADE_KEYS_LIMIT = 50_000;

function makeTokenIndexKeys(param: string, system: string | undefined, code: string | undefined): readonly string[] {
  if (!code) return system ? [`${param}|${keySystem(system)}|*`] : [];
  if (!system) return [`${param}||${code}`, `${param}|*|${code}`];
  const inKey = keySystem(system);
  return [`${param}|${inKey}|${code}`, `${param}|*|${code}`, `${param}|${inKey}|*`];
}

function keySystem(system: string): string {
  return system.includes('|') ? system.replaceAll('|', '%7C') : system;
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

/** What an entry name carries after its code: a quantity in its canonical unit, a string as written. */
const NAME_SUFFIXES = [':canonical', ':exact'];

/** An entry name `<param>|<system>|<code><suffix>` in its parts; undefined for a name with fewer than two `|`. */
function entryNameParts(name: string): { param: string; system: string; code: string; suffix: string } | undefined {
  const first = name.indexOf('|');
  const second = first < 0 ? -1 : name.indexOf('|', first + 1);
  if (second < 0) return undefined;
  const rest = name.slice(second + 1);
  const suffix = NAME_SUFFIXES.find((s) => rest.endsWith(s)) ?? '';
  return { param: name.slice(0, first), system: name.slice(first + 1, second), code: rest.slice(0, rest.length - suffix.length), suffix };
}

/**
 * The wildcard names (`<param>|*|<code>`, `<param>|<system>|*`, with the name's suffix) that a composite's entry
 * stored under the exact name of its first part (`code-value-quantity|http://loinc.org|8480-6:canonical`) is
 * searched by. An Observation's quantity composites would otherwise be stored three times over: two thirds of
 * its `num` entries, and of what an ingest journals of them. The embedded store tests names against a search's
 * wildcard (standsFor); MongoDB, which looks names up in its index, is given the entries under these names too.
 */
export function wildcardNamesOf(name: string): string[] {
  const parts = entryNameParts(name);
  if (!parts || parts.system === '*' || parts.code === '*' || parts.code === '') return [];
  const { param, system, code, suffix } = parts;
  return system === '' ? [`${param}|*|${code}${suffix}`] : [`${param}|*|${code}${suffix}`, `${param}|${system}|*${suffix}`];
}

/** Whether a search's entry name has a wildcard for the system or the code of a composite's first part. */
export function isWildcardName(name: string): boolean {
  const parts = entryNameParts(name);
  return parts !== undefined && (parts.system === '*' || parts.code === '*');
}

/** Whether an entry stored under `name` is found by a search of the name `wildcard` (isWildcardName). */
export function standsFor(name: string, wildcard: string): boolean {
  return name === wildcard || wildcardNamesOf(name).includes(wildcard);
}

type NamedEntries = { p: string }[];

/** The entries with, for each stored under an exact composite name, its copies under the wildcard names. */
export function withWildcardEntries<E extends { str: NamedEntries; dt: NamedEntries; num: NamedEntries; uri: NamedEntries }>(entries: E): E {
  return { ...entries, str: withWildcardNames(entries.str), dt: withWildcardNames(entries.dt), num: withWildcardNames(entries.num), uri: withWildcardNames(entries.uri) };
}

function withWildcardNames<E extends { p: string }>(entries: readonly E[]): E[] {
  const all = [...entries];
  for (const entry of entries) for (const p of wildcardNamesOf(entry.p)) all.push({ ...entry, p });
  return all;
}
