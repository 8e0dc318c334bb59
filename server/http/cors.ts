/**
 * CORS for SMART apps served from the configured origins: credentials-free bearer requests, preflights answered
 * here. https://fetch.spec.whatwg.org/#http-cors-protocol
 */
import type { RequestStep } from './request-steps.ts';

const ALLOWED_HEADERS = 'Authorization, Content-Type, Accept, Prefer, If-Match, If-None-Match, If-None-Exist, If-Modified-Since, X-Request-Id';
const EXPOSED_HEADERS = 'Location, Content-Location, ETag, Last-Modified, X-Request-Id, WWW-Authenticate, Retry-After';

/** The CORS step: answers a preflight itself (the steps after it do not run). */
export function corsForOrigins(origins: string[]): RequestStep {
  const allowed = new Set(origins);
  return (req, res) => {
    const origin = req.headers.origin;
    res.vary('Origin');
    if (!origin || !allowed.has(origin)) return;
    res.setHeader('Access-Control-Allow-Origin', origin);
    res.setHeader('Access-Control-Expose-Headers', EXPOSED_HEADERS);
    if (req.method === 'OPTIONS' && req.get('access-control-request-method')) {
      res.setHeader('Access-Control-Allow-Methods', 'GET, HEAD, POST, PUT, PATCH, DELETE');
      res.setHeader('Access-Control-Allow-Headers', ALLOWED_HEADERS);
      res.setHeader('Access-Control-Max-Age', '600');
      return void res.status(204).end();
    }
  };
}
