/**
 * Access tokens of the built-in authorization server: short-lived JWTs signed with the server's key, carrying the
 * client, its role, the granted scopes and the patient launch context. https://www.rfc-editor.org/rfc/rfc9068
 */
import { errors, jwtVerify, SignJWT } from 'jose';
import { randomUUID } from 'node:crypto';
import type { Caller } from '../fhir/context.ts';
import type { ClientRegistry } from './client-registry.ts';
import { SIGNING_ALG, type SigningKey } from './signing-key.ts';

export interface IssuedToken {
  accessToken: string;
  expiresIn: number;
  scope: string;
  patient?: string;
}

export interface TokenIdentity {
  /** `iss` of the tokens this server signs. */
  issuer: string;
  /** `aud` of the tokens: this server's resources, and no one else's. */
  audience: string;
  lifetimeSeconds: number;
}

/** Signs an access token for a caller. */
export async function issueAccessToken(key: SigningKey, identity: TokenIdentity, caller: Caller): Promise<IssuedToken> {
  const scope = caller.scopes.join(' ');
  const claims: Record<string, unknown> = { client_id: caller.clientId, scope, role: caller.role };
  if (caller.patient) claims.patient = caller.patient;
  if (caller.purposeOfUse) claims.purpose_of_use = caller.purposeOfUse;
  const accessToken = await new SignJWT(claims)
    .setProtectedHeader({ alg: SIGNING_ALG, kid: key.kid, typ: 'at+jwt' })
    .setIssuer(identity.issuer)
    .setAudience(identity.audience)
    .setSubject(caller.clientId)
    .setIssuedAt()
    .setExpirationTime(`${identity.lifetimeSeconds}s`)
    .setJti(randomUUID())
    .sign(key.privateKey);
  return { accessToken, expiresIn: identity.lifetimeSeconds, scope, patient: caller.patient };
}

/** Why a token was not accepted; the HTTP layer answers 401 with `WWW-Authenticate: Bearer error="invalid_token"`. */
export class InvalidTokenError extends Error {}

/** The caller a token of this server stands for; the client must still be registered. */
export async function verifyAccessToken(
  token: string,
  key: SigningKey,
  identity: TokenIdentity,
  registry: ClientRegistry,
): Promise<{ caller: Caller; claims: Record<string, unknown> }> {
  let payload;
  try {
    ({ payload } = await jwtVerify(token, key.publicKey, {
      algorithms: [SIGNING_ALG],
      issuer: identity.issuer,
      audience: identity.audience,
      typ: 'at+jwt',
      requiredClaims: ['exp', 'client_id', 'scope'],
    }));
  } catch (err) {
    throw new InvalidTokenError(err instanceof errors.JWTExpired ? 'The access token has expired' : `The access token is not valid here: ${(err as Error).message}`);
  }
  const clientId = String(payload.client_id);
  const client = registry.get(clientId);
  if (!client) throw new InvalidTokenError(`Client ${clientId} is no longer registered`);
  const caller: Caller = { clientId, role: client.role, scopes: String(payload.scope).split(' ').filter(Boolean) };
  if (typeof payload.patient === 'string') caller.patient = payload.patient;
  return { caller, claims: payload };
}
