/**
 * OperationOutcome errors: every failure in the FHIR layer is thrown as an OperationOutcomeError made by one
 * of the named factories below; the HTTP status is derived from the outcome's issue code.
 * https://hl7.org/fhir/R4/operationoutcome.html
 */
import type { OperationOutcome, OperationOutcomeIssue } from '@medplum/fhirtypes';

export type IssueCode = OperationOutcomeIssue['code'];
export type IssueSeverity = OperationOutcomeIssue['severity'];

/** An error that carries the OperationOutcome to send and the HTTP status to send it with. */
export class OperationOutcomeError extends Error {
  readonly outcome: OperationOutcome;
  readonly status: number;

  constructor(outcome: OperationOutcome, status?: number) {
    super(outcome.issue?.map((i) => i.diagnostics ?? i.details?.text ?? i.code).join('; ') ?? 'error');
    this.outcome = outcome;
    this.status = status ?? statusFromOutcome(outcome);
  }
}

// Status codes follow https://hl7.org/fhir/R4/http.html; the first error issue decides.
const STATUS_BY_CODE: Partial<Record<IssueCode, number>> = {
  invalid: 400,
  structure: 400,
  required: 400,
  value: 400,
  invariant: 400,
  security: 403,
  login: 401,
  unknown: 401,
  expired: 401,
  forbidden: 403,
  suppressed: 403,
  processing: 422,
  'not-supported': 404,
  duplicate: 412,
  'multiple-matches': 412,
  'not-found': 404,
  deleted: 410,
  'too-long': 413,
  'code-invalid': 400,
  extension: 400,
  'too-costly': 422,
  'business-rule': 422,
  conflict: 409,
  transient: 503,
  'lock-error': 409,
  'no-store': 500,
  exception: 500,
  timeout: 504,
  incomplete: 500,
  throttled: 429,
  informational: 200,
};

export function statusFromOutcome(outcome: OperationOutcome): number {
  const issue = outcome.issue?.find((i) => i.severity === 'error' || i.severity === 'fatal') ?? outcome.issue?.[0];
  return (issue && STATUS_BY_CODE[issue.code]) ?? 500;
}

/** Builds an OperationOutcome with one issue per entry. */
export function outcome(...issues: OperationOutcomeIssue[]): OperationOutcome {
  return { resourceType: 'OperationOutcome', issue: issues };
}

export function issue(
  severity: IssueSeverity,
  code: IssueCode,
  diagnostics: string,
  expression?: string | string[],
): OperationOutcomeIssue {
  const result: OperationOutcomeIssue = { severity, code, diagnostics, details: { text: diagnostics } };
  if (expression !== undefined) result.expression = Array.isArray(expression) ? expression : [expression];
  return result;
}

function fail(code: IssueCode, message: string, expression?: string | string[], status?: number): OperationOutcomeError {
  return new OperationOutcomeError(outcome(issue('error', code, message, expression)), status);
}

export const badRequest = (message: string, expression?: string | string[]) => fail('invalid', message, expression);
export const notFound = (message = 'Not found') => fail('not-found', message);
export const unknownType = (type: string) => fail('not-supported', `Unknown resource type: ${type}`, undefined, 404);
export const gone = (message: string) => fail('deleted', message);
export const versionConflict = (message: string) => fail('conflict', message, undefined, 412);
export const conflict = (message: string) => fail('conflict', message);
export const preconditionFailed = (message: string) => fail('duplicate', message, undefined, 412);
export const multipleMatches = (message: string) => fail('multiple-matches', message);
export const unprocessable = (message: string, expression?: string | string[]) =>
  fail('processing', message, expression, 422);
export const unsupportedMediaType = (contentType: string) =>
  fail('not-supported', `Unsupported content type: ${contentType}`, undefined, 415);
export const notAcceptable = (accept: string) => fail('not-supported', `Cannot produce ${accept}`, undefined, 406);
export const payloadTooLarge = (limit: string) => fail('too-long', `Request body exceeds the limit of ${limit}`);
export const methodNotAllowed = (method: string, path: string) =>
  fail('not-supported', `${method} is not allowed on ${path}`, undefined, 405);
export const unauthorized = (message = 'Authentication required') => fail('login', message);
export const forbidden = (message: string) => fail('forbidden', message);
export const notSupported = (message: string) => fail('not-supported', message, undefined, 501);
export const serverError = (message: string) => fail('exception', message);

/** An informational outcome, for `Prefer: return=OperationOutcome` and warnings in search Bundles. */
export function informational(message: string): OperationOutcome {
  return outcome(issue('information', 'informational', message));
}

/** The outcome to send for anything thrown: OperationOutcomeErrors as they are, the rest as a 500 that leaks nothing. */
export function toOperationOutcomeError(err: unknown): OperationOutcomeError {
  if (err instanceof OperationOutcomeError) return err;
  return serverError('Internal server error');
}
