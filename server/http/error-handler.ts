/** The one error handler, registered last: every failure leaves as an OperationOutcome with the right status. */
import type { NextFunction, Request, Response } from 'express';
import type { Logger } from 'pino';
import { badRequest, OperationOutcomeError, payloadTooLarge, toOperationOutcomeError, unsupportedMediaType } from '../fhir/outcomes.ts';
import { sendResource } from './send.ts';

interface BodyParserError extends Error {
  type?: string;
  status?: number;
  limit?: number;
  charset?: string;
}

export function errorHandler(logger: Logger) {
  return (err: unknown, _req: Request, res: Response, _next: NextFunction): void => {
    const error = fromBodyParser(err) ?? toOperationOutcomeError(err);
    if (error.status >= 500) logger.error({ reqId: res.locals.requestId, err }, 'request failed');
    if (res.headersSent) return void res.end();
    res.locals.mediaType ??= 'application/fhir+json';
    sendResource(res, error.status, error.outcome);
  };
}

/** body-parser's errors, translated: https://github.com/expressjs/body-parser#errors */
function fromBodyParser(err: unknown): OperationOutcomeError | undefined {
  if (!(err instanceof Error) || err instanceof OperationOutcomeError) return undefined;
  const e = err as BodyParserError;
  switch (e.type) {
    case 'entity.parse.failed':
      return badRequest(`Malformed JSON: ${e.message}`);
    case 'entity.too.large':
      return payloadTooLarge(`${e.limit} bytes`);
    case 'encoding.unsupported':
    case 'charset.unsupported':
      return unsupportedMediaType(`charset ${e.charset ?? ''}`.trim());
    case 'request.aborted':
      return badRequest('Request aborted');
    default:
      return undefined;
  }
}
