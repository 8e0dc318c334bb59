/** Express side of server/auth/vouched-identity.ts: runs after the bearer token is verified. */
import type { NextFunction, Request, Response } from 'express';
import type { AuthorizationServer } from '../auth/authorization-server.ts';
import { ON_BEHALF_OF_HEADER, withVouchedIdentity } from '../auth/vouched-identity.ts';
import type { Caller } from '../fhir/context.ts';

export function acceptVouchedIdentity(auth: AuthorizationServer) {
  return async (req: Request, res: Response, next: NextFunction): Promise<void> => {
    try {
      const caller = res.locals.caller as Caller;
      res.locals.caller = await withVouchedIdentity(caller, req.get(ON_BEHALF_OF_HEADER), auth.registry.get(caller.clientId));
      next();
    } catch (err) {
      next(err);
    }
  };
}
