/**
 * `private_key_jwt` client authentication of SMART backend services: a JWT the client signs (RS384 or ES384) with
 * `iss` = `sub` = its client id, `aud` = the token URL, `exp` at most five minutes ahead, a `jti` never used
 * before, and the key picked by `kid` from the client's registered JWKS.
 * https://build.fhir.org/ig/HL7/smart-app-launch/client-confidential-asymmetric.html
 */
import { createLocalJWKSet, createRemoteJWKSet, decodeJwt, decodeProtectedHeader, errors, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { AuthClientConfig } from './auth-config.ts';
import type { ClientRegistry } from './client-registry.ts';
import { OAuthError } from './oauth-error.ts';

export const JWT_BEARER_ASSERTION = 'urn:ietf:params:oauth:client-assertion-type:jwt-bearer';
export const ASSERTION_ALGORITHMS = ['RS384', 'ES384'];
const MAX_LIFETIME_SECONDS = 300;
/** Clock difference tolerated between client and server. */
const CLOCK_SKEW_SECONDS = 30;

/** Remembers the `jti`s seen until their assertions expire, so none is accepted twice. */
export class ReplayCache {
  private readonly seen = new Map<string, number>();

  /** False when the id was seen before (and its assertion has not expired yet). */
  remember(id: string, expiresAtSeconds: number, nowSeconds = Date.now() / 1000): boolean {
    for (const [key, expiry] of this.seen) if (expiry < nowSeconds - CLOCK_SKEW_SECONDS) this.seen.delete(key);
    if (this.seen.has(id)) return false;
    this.seen.set(id, expiresAtSeconds);
    return true;
  }
}

const remoteKeySets = new Map<string, JWTVerifyGetKey>();

function keySetOf(client: AuthClientConfig): JWTVerifyGetKey {
  if (client.jwks) return createLocalJWKSet(client.jwks as Parameters<typeof createLocalJWKSet>[0]);
  if (client.jwksUrl) {
    let set = remoteKeySets.get(client.jwksUrl);
    if (!set) remoteKeySets.set(client.jwksUrl, (set = createRemoteJWKSet(new URL(client.jwksUrl))));
    return set;
  }
  throw new OAuthError('invalid_client', `Client ${client.clientId} has no registered keys (jwks or jwksUrl)`);
}

/** Verifies a client assertion and returns the client it authenticates; throws invalid_client saying why not. */
export async function verifyClientAssertion(
  assertion: string,
  tokenUrls: string[],
  registry: ClientRegistry,
  replays: ReplayCache,
): Promise<AuthClientConfig> {
  let clientId: string | undefined;
  let kid: string | undefined;
  try {
    clientId = decodeJwt(assertion).iss;
    kid = decodeProtectedHeader(assertion).kid;
  } catch {
    throw new OAuthError('invalid_client', 'client_assertion is not a JWT');
  }
  if (!clientId) throw new OAuthError('invalid_client', 'client_assertion has no iss');
  if (!kid) throw new OAuthError('invalid_client', 'client_assertion has no kid in its header');
  const client = registry.require(clientId);
  let payload;
  try {
    ({ payload } = await jwtVerify(assertion, keySetOf(client), {
      algorithms: ASSERTION_ALGORITHMS,
      issuer: clientId,
      subject: clientId,
      audience: tokenUrls,
      requiredClaims: ['exp', 'jti'],
      clockTolerance: CLOCK_SKEW_SECONDS,
    }));
  } catch (err) {
    throw new OAuthError('invalid_client', assertionProblem(err, kid, tokenUrls));
  }
  const now = Date.now() / 1000;
  if (payload.exp! > now + MAX_LIFETIME_SECONDS + CLOCK_SKEW_SECONDS) {
    throw new OAuthError('invalid_client', `client_assertion expires more than ${MAX_LIFETIME_SECONDS} seconds ahead`);
  }
  if (!replays.remember(`${clientId} ${payload.jti}`, payload.exp!)) {
    throw new OAuthError('invalid_client', `client_assertion jti ${payload.jti} was used before`);
  }
  return client;
}

function assertionProblem(err: unknown, kid: string, tokenUrls: string[]): string {
  if (err instanceof errors.JWKSNoMatchingKey) return `No registered key of the client has kid ${kid}`;
  if (err instanceof errors.JWTExpired) return 'client_assertion has expired';
  if (err instanceof errors.JWTClaimValidationFailed) {
    if (err.claim === 'aud') return `client_assertion aud must be the token URL ${tokenUrls[0]}`;
    return `client_assertion claim ${err.claim}: ${err.reason === 'missing' ? 'missing' : 'not as required'}`;
  }
  if (err instanceof errors.JOSEAlgNotAllowed) return `client_assertion must be signed with ${ASSERTION_ALGORITHMS.join(' or ')}`;
  if (err instanceof errors.JWSSignatureVerificationFailed) return 'client_assertion signature does not verify';
  return `client_assertion rejected: ${(err as Error).message}`;
}
