/**
 * The FHIR type of every element of a resource, from the R4 model that ships with fhirpath.js: what the rule
 * engine needs to answer `nodesByType('HumanName')` and to know a date from a string while it walks a resource.
 * https://hl7.org/fhir/R4/datatypes.html
 */
import r4model from 'fhirpath/fhir-context/r4';

/** One child element: its FHIRPath name (a choice `valueQuantity` is `value`), its type, where its own children are defined. */
export interface ElementInfo {
  name: string;
  type: string;
  /** The definition path of its children: the type name, or the backbone element's path. */
  defPath: string;
}

const model = r4model as unknown as {
  path2Type: Record<string, string>;
  choiceTypePaths: Record<string, string[]>;
  pathsDefinedElsewhere: Record<string, string>;
};

const choiceNames = new Map<string, string>();
for (const [path, types] of Object.entries(model.choiceTypePaths)) {
  for (const type of types) choiceNames.set(`${path}${type}`, path.slice(path.lastIndexOf('.') + 1));
}

const BACKBONE = new Set(['BackboneElement', 'Element']);
/**
 * defPath -> key -> info. Looked up for every element of every resource: by the two strings themselves, whose hashes
 * V8 keeps (JSON keys are internalized), not by a `defPath.key` string that would be built and hashed at each call.
 */
const cache = new Map<string, Map<string, ElementInfo | null>>();

/** The element `key` of an object defined at `defPath` ("Patient", "Patient.contact", "HumanName"), or undefined. */
export function elementInfo(defPath: string, key: string): ElementInfo | undefined {
  let byKey = cache.get(defPath);
  if (!byKey) cache.set(defPath, (byKey = new Map()));
  let info = byKey.get(key);
  if (info === undefined) {
    info = lookup(defPath, key) ?? null;
    byKey.set(key, info);
  }
  return info ?? undefined;
}

function lookup(defPath: string, key: string): ElementInfo | undefined {
  if (key.startsWith('_')) {
    // The id and extensions of a primitive (https://hl7.org/fhir/R4/json.html#primitive). Named by its key, so the
    // primitive's rule (a date's generalisation) does not fall on extension urls; their values follow their types.
    return elementInfo(defPath, key.slice(1)) && { name: key, type: 'Element', defPath: 'Element' };
  }
  const path = `${defPath}.${key}`;
  const elsewhere = model.pathsDefinedElsewhere[path];
  if (elsewhere) return { name: key, type: 'BackboneElement', defPath: elsewhere };
  const raw = model.path2Type[path];
  if (raw === undefined) return undefined;
  const type = raw === 'System.String' ? 'string' : raw;
  const name = choiceNames.get(path) ?? key;
  if (BACKBONE.has(type) && hasChildren(path)) return { name, type: 'BackboneElement', defPath: path };
  return { name, type, defPath: type };
}

const withChildren = new Set<string>();
for (const path of Object.keys(model.path2Type)) withChildren.add(path.slice(0, path.lastIndexOf('.')));
const hasChildren = (path: string) => withChildren.has(path);

/** FHIR primitive types whose JSON value is a string, number or boolean. */
export const isPrimitiveType = (type: string): boolean => type.length > 0 && type[0] === type[0].toLowerCase();
