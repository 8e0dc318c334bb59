/**
 * The request body, read by express's own parsers (body-parser) in their order, only when the request declares
 * one: a GET skips them all. Their errors reach the error handler as before (error-handler.ts translates them).
 */
import type { RequestHandler } from 'express';
import type { RequestStep } from './request-steps.ts';

export function readBody(...parsers: RequestHandler[]): RequestStep {
  return async (req, res) => {
    // The parsers' own test (type-is): a message has a body when it gives a length (even 0) or is chunked.
    if (req.headers['content-length'] === undefined && req.headers['transfer-encoding'] === undefined) return;
    for (const parser of parsers) {
      await new Promise<void>((resolve, reject) => void parser(req, res, (err?: unknown) => (err ? reject(err) : resolve())));
    }
  };
}
