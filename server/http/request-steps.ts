/**
 * The steps a request goes through (authenticate, rate-limit, negotiate, read the body, answer), run in order in
 * one Express handler. Each Express layer costs a router turn per request, and on a read by id that is the
 * bulk of the work: the steps are plain functions, and a refusal is a thrown error that reaches the one error
 * handler like any other.
 */
import type { NextFunction, Request, Response } from 'express';

/** One step: returns (or resolves) to go on, throws (or rejects) to refuse. Synchronous steps cost no tick. */
export type RequestStep = (req: Request, res: Response) => void | Promise<void>;

export function runSteps(...steps: RequestStep[]) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      for (const step of steps) {
        const pending = step(req, res);
        if (pending) await pending;
      }
    } catch (err) {
      return next(err);
    }
    if (!res.headersSent) next();
  };
}
