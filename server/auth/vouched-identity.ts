/**
 * A federation hub asks sites on behalf of researchers. It authenticates as its own client, and names the
 * researcher in `X-Vitrine-On-Behalf-Of`: a token the hub signs. A site accepts that header only from a client
 * registered with `vouchesFor` (the hub's issuer and keys), verifies the signature, and records the researcher in
 * the audit trail. Anyone else sending the header is refused: no client may speak for another unless trusted to.
 */
import { createLocalJWKSet, createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Caller } from '../fhir/context.ts';
import { forbidden } from '../fhir/outcomes.ts';
import type { AuthClientConfig } from './auth-config.ts';

export const ON_BEHALF_OF_HEADER = 'x-vitrine-on-behalf-of';

const keySets = new Map<string, JWTVerifyGetKey>();

function keysOf(client: AuthClientConfig): JWTVerifyGetKey | undefined {
  const vouches = client.vouchesFor!;
  let keys = keySets.get(client.clientId);
  if (!keys) {
    if (vouches.jwks) keys = createLocalJWKSet(vouches.jwks);
    else if (vouches.jwksUrl) keys = createRemoteJWKSet(new URL(vouches.jwksUrl));
    if (keys) keySets.set(client.clientId, keys);
  }
  return keys;
}

/** The caller, with `onBehalfOf` set when a trusted hub vouched for someone; throws 403 for an untrusted voucher. */
export async function withVouchedIdentity(caller: Caller, header: string | undefined, client: AuthClientConfig | undefined): Promise<Caller> {
  if (!header) return caller;
  if (!client?.vouchesFor) throw forbidden('[on-behalf-of] Only a registered federation hub may name another client in X-Vitrine-On-Behalf-Of');
  const keys = keysOf(client);
  if (!keys) throw forbidden('[on-behalf-of] The hub has no keys configured to verify X-Vitrine-On-Behalf-Of');
  try {
    const { payload } = await jwtVerify(header, keys, { issuer: client.vouchesFor.issuer });
    const onBehalfOf = typeof payload.client_id === 'string' ? payload.client_id : payload.sub;
    if (!onBehalfOf) throw new Error('no client named');
    const purpose = typeof payload.purpose_of_use === 'string' && /^[A-Z]{2,16}$/.test(payload.purpose_of_use) ? payload.purpose_of_use : undefined;
    return { ...caller, onBehalfOf, ...(purpose ? { purposeOfUse: purpose } : {}) };
  } catch {
    throw forbidden('[on-behalf-of] X-Vitrine-On-Behalf-Of could not be verified against the hub\'s keys');
  }
}
