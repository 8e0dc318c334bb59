/**
 * Requests per minute per client (per address before a client is known): a fixed one-minute window, answered
 * 429 with Retry-After and an OperationOutcome once spent. https://www.rfc-editor.org/rfc/rfc6585#section-4
 */
import { OperationOutcomeError, issue, outcome } from '../fhir/outcomes.ts';
import type { Caller } from '../fhir/context.ts';
import type { RequestStep } from './request-steps.ts';

const WINDOW_MS = 60_000;

export function rateLimitPerClient(requestsPerMinute: number): RequestStep {
  const windows = new Map<string, { start: number; count: number }>();
  return (req, res) => {
    const caller = res.locals.caller as Caller | undefined;
    const key = caller ? `client:${caller.clientId}` : `address:${req.ip ?? 'unknown'}`;
    const now = Date.now();
    let window = windows.get(key);
    if (!window || now - window.start >= WINDOW_MS) {
      if (windows.size > 10_000) for (const [k, w] of windows) if (now - w.start >= WINDOW_MS) windows.delete(k);
      window = { start: now, count: 0 };
      windows.set(key, window);
    }
    window.count++;
    if (window.count <= requestsPerMinute) return;
    const retryAfter = Math.ceil((window.start + WINDOW_MS - now) / 1000);
    res.setHeader('Retry-After', String(retryAfter));
    throw new OperationOutcomeError(outcome(issue('error', 'throttled', `Rule rate-limit: more than ${requestsPerMinute} requests a minute from ${key}; retry in ${retryAfter} s`)), 429);
  };
}
