/**
 * Every request under /fhir carries a valid bearer token, or is answered 401 with `WWW-Authenticate: Bearer`
 * (RFC 6750) and never reaches a FHIR route. The verified caller goes to `res.locals.caller`.
 * https://www.rfc-editor.org/rfc/rfc6750#section-3
 */
import type { Caller } from '../fhir/context.ts';
import { unauthorized } from '../fhir/outcomes.ts';
import { InvalidTokenError } from '../auth/access-tokens.ts';
import { cacheVerifiedTokens } from '../auth/verified-token-cache.ts';
import type { RequestStep } from './request-steps.ts';

/** Verifies a bearer token: the AuthorizationServer's `verify`, or any function with its shape. */
export type VerifyToken = (token: string) => Promise<{ caller: Caller }>;

/** The step that sets `res.locals.caller` from the bearer token, or refuses with 401. */
export function requireBearerToken(verifyToken: VerifyToken, realm: string): RequestStep {
  const verify = cacheVerifiedTokens(verifyToken);
  return (req, res) => {
    const header = req.headers.authorization;
    const match = header ? /^Bearer\s+([A-Za-z0-9\-._~+/]+=*)\s*$/i.exec(header) : null;
    if (!match) {
      res.setHeader('WWW-Authenticate', `Bearer realm="${realm}"`);
      throw unauthorized(header ? 'The Authorization header is not a Bearer token' : 'An access token is required: Authorization: Bearer <token>');
    }
    const verified = verify(match[1]);
    // A token verified before is answered at once: no promise, no tick.
    if (!(verified instanceof Promise)) return void (res.locals.caller = verified.caller);
    return verified.then(
      ({ caller }) => void (res.locals.caller = caller),
      (err: unknown) => {
        if (!(err instanceof InvalidTokenError)) throw err;
        res.setHeader('WWW-Authenticate', `Bearer realm="${realm}", error="invalid_token", error_description="${err.message.replace(/["\\]/g, "'")}"`);
        throw unauthorized(err.message);
      },
    );
  };
}
