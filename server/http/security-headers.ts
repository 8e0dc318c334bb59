/**
 * helmet's security headers (https://helmetjs.github.io/), worked out once when the app is made and set in one
 * step: for a configuration without per-request directive functions (nonces) helmet sets the same headers on
 * every response, and its thirteen middlewares cost a router turn each on every request.
 */
import type { Request, Response } from 'express';
import helmet, { type HelmetOptions } from 'helmet';
import type { RequestStep } from './request-steps.ts';

type HeaderChange = [name: string, value: string | number | readonly string[] | undefined];

export function securityHeaders(options?: HelmetOptions): RequestStep {
  const changes = helmetHeaderChanges(options, '/a');
  if (JSON.stringify(changes) !== JSON.stringify(helmetHeaderChanges(options, '/b'))) {
    throw new Error('securityHeaders: these helmet options set different headers per request; use helmet() itself');
  }
  return (_req, res) => {
    for (const [name, value] of changes) {
      if (value === undefined) res.removeHeader(name);
      else res.setHeader(name, value);
    }
  };
}

/** What helmet does to a response's headers, in order: a value set, or undefined for a header it removes. */
function helmetHeaderChanges(options: HelmetOptions | undefined, url: string): HeaderChange[] {
  const changes: HeaderChange[] = [];
  const res = {
    setHeader: (name: string, value: HeaderChange[1]) => changes.push([name, value]),
    removeHeader: (name: string) => changes.push([name, undefined]),
  };
  let done = false;
  helmet(options)({ url, method: 'GET', headers: {} } as Request, res as unknown as Response, (err?: unknown) => {
    if (err) throw err;
    done = true;
  });
  if (!done) throw new Error('securityHeaders: helmet did not finish synchronously');
  return changes;
}
