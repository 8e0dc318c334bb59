/** $validate: https://hl7.org/fhir/R4/resource-operation-validate.html */
import type { OperationOutcome, Parameters, Resource } from '@medplum/fhirtypes';
import type { FhirContext, FhirRequest, FhirResponse } from '../context.ts';
import { requireResourceBody } from '../interactions/body.ts';
import { badRequest, informational } from '../outcomes.ts';
import type { OperationEntry } from './registry.ts';

async function validateHandler(req: FhirRequest, ctx: FhirContext, type: string): Promise<FhirResponse> {
  const { resource, profile } = validateInput(req, type);
  const issues = ctx.pipeline.validate(resource, profile);
  const result: OperationOutcome = issues.length > 0 ? { resourceType: 'OperationOutcome', issue: issues } : informational('No issues found');
  return { status: 200, resource: result };
}

/** The resource comes as the body, or as the `resource` parameter of a Parameters body; `profile` from either. */
function validateInput(req: FhirRequest, type: string): { resource: Resource; profile?: string } {
  const queryProfile = req.params.find(([name]) => name === 'profile')?.[1];
  const body = requireResourceBody(req);
  if (body.resourceType === 'Parameters' && type !== 'Parameters') {
    const parameters = (body as Parameters).parameter ?? [];
    const resource = parameters.find((p) => p.name === 'resource')?.resource;
    if (!resource) throw badRequest('Parameters for $validate need a "resource" parameter', 'Parameters.parameter');
    const profile = parameters.find((p) => p.name === 'profile')?.valueUri ?? queryProfile;
    return { resource: requireResourceBody({ ...req, body: resource }, type), profile };
  }
  return { resource: requireResourceBody(req, type), profile: queryProfile };
}

export const validateOperation: OperationEntry = {
  name: 'validate',
  definition: 'http://hl7.org/fhir/OperationDefinition/Resource-validate',
  resourceTypes: 'all',
  routes: [
    {
      interaction: 'operation',
      method: 'POST',
      path: ['{type}', '$validate'],
      summary: 'validate a resource without storing it (?profile=)',
      handler: (req, ctx, p) => validateHandler(req, ctx, p.type!),
    },
    {
      interaction: 'operation',
      method: 'POST',
      path: ['{type}', '{id}', '$validate'],
      summary: 'validate a resource as an update of this one',
      handler: (req, ctx, p) => validateHandler(req, ctx, p.type!),
    },
  ],
};
