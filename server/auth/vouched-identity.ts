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
/** Verified vouchers by token text, until they expire: the hub reuses one per caller for minutes. */
const verified = new Map<string, { onBehalfOf: string; purpose?: string; issuer: string; expiresAt: number }>();
const MAX_VERIFIED = 10_000;

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
  const hit = verified.get(header);
  if (hit && hit.issuer === client.vouchesFor.issuer && hit.expiresAt > Date.now()) {
    return { ...caller, onBehalfOf: hit.onBehalfOf, ...(hit.purpose ? { purposeOfUse: hit.purpose } : {}) };
  }
  const keys = keysOf(client);
  if (!keys) throw forbidden('[on-behalf-of] The hub has no keys configured to verify X-Vitrine-On-Behalf-Of');
  try {
    const { payload } = await jwtVerify(header, keys, { issuer: client.vouchesFor.issuer, requiredClaims: ['exp'] });
    const onBehalfOf = typeof payload.client_id === 'string' ? payload.client_id : payload.sub;
    if (!onBehalfOf) throw new Error('no client named');
    const purpose = typeof payload.purpose_of_use === 'string' && /^[A-Z]{2,16}$/.test(payload.purpose_of_use) ? payload.purpose_of_use : undefined;
    if (verified.size >= MAX_VERIFIED) verified.delete(verified.keys().next().value!);
    verified.set(header, { onBehalfOf, purpose, issuer: client.vouchesFor.issuer, expiresAt: payload.exp! * 1000 });
    return { ...caller, onBehalfOf, ...(purpose ? { purposeOfUse: purpose } : {}) };
  } catch {
    throw forbidden('[on-behalf-of] X-Vitrine-On-Behalf-Of could not be verified against the hub\'s keys');
  }
}
