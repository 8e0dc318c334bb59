/** Express side of server/auth/vouched-identity.ts: the step after the bearer token is verified. */
import type { AuthorizationServer } from '../auth/authorization-server.ts';
import { ON_BEHALF_OF_HEADER, withVouchedIdentity } from '../auth/vouched-identity.ts';
import type { Caller } from '../fhir/context.ts';
import type { RequestStep } from './request-steps.ts';

export function acceptVouchedIdentity(auth: AuthorizationServer): RequestStep {
  return (req, res) => {
    const header = req.get(ON_BEHALF_OF_HEADER);
    if (header === undefined) return; // nobody named: the caller stands for itself
    const caller = res.locals.caller as Caller;
    return withVouchedIdentity(caller, header, auth.registry.get(caller.clientId)).then((vouched) => {
      res.locals.caller = vouched;
    });
  };
}
