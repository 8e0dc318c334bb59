/**
 * Tokens of an external authorization server (the hospital's EHR or identity provider), verified against its
 * JWKS: so an EHR launch works without this site's token endpoint. https://build.fhir.org/ig/HL7/smart-app-launch/app-launch.html
 */
import { createRemoteJWKSet, jwtVerify, type JWTVerifyGetKey } from 'jose';
import type { Caller } from '../fhir/context.ts';
import { InvalidTokenError } from './access-tokens.ts';
import type { ExternalIssuerConfig } from './auth-config.ts';

export class ExternalIssuer {
  private readonly keys: JWTVerifyGetKey;

  constructor(
    readonly config: ExternalIssuerConfig,
    keys?: JWTVerifyGetKey,
  ) {
    this.keys = keys ?? createRemoteJWKSet(new URL(config.jwksUrl));
  }

  /** The caller of a token the external issuer signed; the scopes are checked when the caller is used. */
  async verify(token: string): Promise<{ caller: Caller; claims: Record<string, unknown> }> {
    let payload;
    try {
      ({ payload } = await jwtVerify(token, this.keys, {
        issuer: this.config.issuer,
        audience: this.config.audience,
        algorithms: ['RS256', 'RS384', 'ES256', 'ES384', 'PS256', 'PS384'],
        requiredClaims: ['exp'],
      }));
    } catch (err) {
      throw new InvalidTokenError(`The access token of ${this.config.issuer} is not valid: ${(err as Error).message}`);
    }
    const clientId = [payload.client_id, payload.azp, payload.sub].find((v): v is string => typeof v === 'string');
    if (!clientId) throw new InvalidTokenError('The access token names no client (client_id, azp or sub)');
    const scopes = typeof payload.scope === 'string' ? payload.scope.split(' ').filter(Boolean) : Array.isArray(payload.scp) ? payload.scp.map(String) : [];
    const caller: Caller = { clientId, role: this.config.roles?.[clientId] ?? 'internal', scopes };
    if (typeof payload.patient === 'string') caller.patient = payload.patient;
    return { caller, claims: payload };
  }
}
