/** Operation parameters from the query string or a Parameters body: https://hl7.org/fhir/R4/operations.html */
import type { Parameters, ParametersParameter, Resource } from '@medplum/fhirtypes';
import type { FhirRequest } from '../fhir/context.ts';
import { badRequest } from '../fhir/outcomes.ts';

export interface OperationInput {
  /** The first value of a parameter as text. */
  text(name: string): string | undefined;
  /** Every value of a parameter as text. */
  all(name: string): string[];
  resource(name: string): Resource | undefined;
}

/** Reads the operation's parameters; a body must be a Parameters resource. */
export function operationInput(req: FhirRequest): OperationInput {
  const body = req.body as Resource | undefined;
  let parameters: ParametersParameter[] = [];
  if (body !== undefined && body !== null && !(typeof body === 'object' && Object.keys(body).length === 0)) {
    if ((body as Resource).resourceType !== 'Parameters') throw badRequest('The body of an operation must be a Parameters resource', 'resourceType');
    parameters = (body as Parameters).parameter ?? [];
  }
  const textOf = (p: ParametersParameter): string | undefined => {
    const v = p.valueString ?? p.valueCode ?? p.valueUri ?? p.valueCanonical ?? p.valueDate ?? p.valueDateTime ?? p.valueReference?.reference;
    if (v !== undefined) return v;
    for (const key of ['valueInteger', 'valueDecimal', 'valueBoolean', 'valuePositiveInt', 'valueUnsignedInt'] as const) if (p[key] !== undefined) return String(p[key]);
    return p.valueCoding ? `${p.valueCoding.system ?? ''}|${p.valueCoding.code ?? ''}` : undefined;
  };
  const all = (name: string) => [
    ...req.params.filter(([n]) => n === name).flatMap(([, v]) => v.split(',')).filter((v) => v !== ''),
    ...parameters.filter((p) => p.name === name).flatMap((p) => (textOf(p) === undefined ? [] : [textOf(p)!])),
  ];
  return {
    text: (name) => all(name)[0],
    all,
    resource: (name) => parameters.find((p) => p.name === name)?.resource,
  };
}
