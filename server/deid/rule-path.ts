/**
 * A rule's selection, a FHIRPath expression (https://hl7.org/fhir/R4/fhirpath.html). The common shapes are matched
 * natively while the engine walks a resource — `Patient.address.postalCode`, `nodesByType('HumanName')`,
 * `nodesByType('Address').city`, with an optional trailing `.ofType(string)` — because evaluating FHIRPath for
 * every rule on every resource would cost more than the whole write. Anything else is evaluated with fhirpath.js
 * once per resource and matched by the nodes it returned.
 */
import fhirpath from 'fhirpath';
import r4model from 'fhirpath/fhir-context/r4';
import { isResourceType } from '../fhir/definitions.ts';

/** Where a native selection starts: the root of a resource of a type (any for Resource/DomainResource), or any node of a type. */
export type PathAnchor = { kind: 'resource'; type: string | undefined } | { kind: 'nodesByType'; type: string };

export interface NativePath {
  kind: 'native';
  anchor: PathAnchor;
  /** Element names below the anchor, as FHIRPath names them (choices without their type suffix). */
  steps: string[];
  /** `.ofType(X)` at the end: only nodes of that type. */
  ofType?: string;
}

export interface FhirPathSelection {
  kind: 'fhirpath';
  /** The resource type the expression starts from, if it names one: the expression runs only on those. */
  resourceType: string | undefined;
  evaluate(resource: object): unknown[];
}

export type CompiledPath = NativePath | FhirPathSelection;

const NAME = '[A-Za-z][A-Za-z0-9_]*';
const NATIVE = new RegExp(`^(?:nodesByType\\('(${NAME})'\\)|(${NAME}))((?:\\.${NAME})*)(?:\\.ofType\\((${NAME})\\))?$`);

/** Compiles a rule path; throws with the reason when it is not usable. */
export function compileRulePath(path: string): CompiledPath {
  const trimmed = path.trim();
  const native = NATIVE.exec(trimmed);
  if (native) {
    const [, byType, root, rest, ofType] = native;
    const steps = rest ? rest.slice(1).split('.') : [];
    if (byType) return { kind: 'native', anchor: { kind: 'nodesByType', type: byType }, steps, ofType };
    if (root === 'Resource' || root === 'DomainResource') return { kind: 'native', anchor: { kind: 'resource', type: undefined }, steps, ofType };
    if (!isResourceType(root)) throw new Error(`"${root}" is not a resource type (start with a type or nodesByType('Type'))`);
    return { kind: 'native', anchor: { kind: 'resource', type: root }, steps, ofType };
  }
  if (trimmed.includes('nodesByType')) {
    throw new Error(`nodesByType('Type') may only start a path, followed by element names and an optional .ofType(T)`);
  }
  let compiled: (resource: object) => unknown[];
  try {
    compiled = fhirpath.compile(trimmed, r4model, { resolveInternalTypes: false }) as unknown as (resource: object) => unknown[];
  } catch (err) {
    throw new Error(`not valid FHIRPath: ${(err as Error).message.split('\n')[0]}`);
  }
  const head = /^([A-Z][A-Za-z]+)\b/.exec(trimmed)?.[1];
  const resourceType = head && isResourceType(head) ? head : undefined;
  return { kind: 'fhirpath', resourceType, evaluate: (resource) => compiled(resource) };
}

/** The object and key of a node that fhirpath.js returned, so the walker can recognise it. */
export interface NodeLocation {
  parent: object;
  key: string;
  index: number | undefined;
}

interface ResourceNodeLike {
  data?: unknown;
  propName?: string;
  index?: number | null;
  parentResNode?: ResourceNodeLike | null;
  fhirNodeDataType?: string;
}

/** Where each node of a fhirpath.js result sits in the resource (nodes without a parent — the resource itself — are skipped). */
export function locateNodes(nodes: unknown[]): NodeLocation[] {
  const locations: NodeLocation[] = [];
  for (const node of nodes) {
    const n = node as ResourceNodeLike;
    const parent = n?.parentResNode?.data;
    if (!n || typeof parent !== 'object' || parent === null || !n.propName) continue;
    const key = keyIn(parent as Record<string, unknown>, n.propName, n.fhirNodeDataType);
    if (key) locations.push({ parent, key, index: n.index ?? undefined });
  }
  return locations;
}

/** The JSON key of an element: its name, or for a choice the name with the type suffix present in the object. */
function keyIn(parent: Record<string, unknown>, name: string, type: string | undefined): string | undefined {
  if (name in parent) return name;
  if (type) {
    const suffixed = name + type[0].toUpperCase() + type.slice(1);
    if (suffixed in parent) return suffixed;
  }
  return Object.keys(parent).find((k) => k.startsWith(name) && k.length > name.length && /[A-Z]/.test(k[name.length]));
}
