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
  return (req: Request, res: Response, next: NextFunction): void | Promise<void> => runFrom(steps, 0, req, res, next);
}

/** Runs the steps from `first` on; a step that answered the request (a CORS preflight, the handler) ends the run. */
function runFrom(steps: RequestStep[], first: number, req: Request, res: Response, next: NextFunction): void | Promise<void> {
  for (let i = first; i < steps.length; i++) {
    let pending: void | Promise<void>;
    try {
      pending = steps[i](req, res);
    } catch (err) {
      return next(err);
    }
    if (pending) return pending.then(() => (res.headersSent ? undefined : runFrom(steps, i + 1, req, res, next)), next);
    if (res.headersSent) return;
  }
  next();
}
