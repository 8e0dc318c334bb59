/**
 * Authorization codes of the SMART App Launch: single use, one minute, bound to the client, its redirect URI and
 * a PKCE S256 challenge. https://www.rfc-editor.org/rfc/rfc7636 and
 * https://build.fhir.org/ig/HL7/smart-app-launch/app-launch.html#obtain-authorization-code
 */
import { createHash, randomBytes } from 'node:crypto';
import { OAuthError } from './oauth-error.ts';

const CODE_LIFETIME_MS = 60_000;

export interface CodeGrant {
  clientId: string;
  redirectUri: string;
  scopes: string[];
  patient?: string;
  username: string;
  codeChallenge: string;
}

export class AuthorizationCodes {
  private readonly codes = new Map<string, CodeGrant & { expiresAt: number }>();

  issue(grant: CodeGrant): string {
    const now = Date.now();
    for (const [code, entry] of this.codes) if (entry.expiresAt < now) this.codes.delete(code);
    const code = randomBytes(32).toString('base64url');
    this.codes.set(code, { ...grant, expiresAt: now + CODE_LIFETIME_MS });
    return code;
  }

  /** The grant of a code, used up by this call; invalid_grant when unknown, expired, or not the client's. */
  redeem(code: string, clientId: string, redirectUri: string | undefined, codeVerifier: string | undefined): CodeGrant {
    const grant = this.codes.get(code);
    this.codes.delete(code);
    if (!grant || grant.expiresAt < Date.now()) throw new OAuthError('invalid_grant', 'The authorization code is unknown, used or expired');
    if (grant.clientId !== clientId) throw new OAuthError('invalid_grant', 'The authorization code was issued to another client');
    if (grant.redirectUri !== redirectUri) throw new OAuthError('invalid_grant', 'redirect_uri differs from the one of the authorization request');
    if (!codeVerifier || !/^[A-Za-z0-9._~-]{43,128}$/.test(codeVerifier)) throw new OAuthError('invalid_grant', 'code_verifier is missing or malformed');
    if (s256(codeVerifier) !== grant.codeChallenge) throw new OAuthError('invalid_grant', 'code_verifier does not match the code_challenge');
    return grant;
  }
}

/** The S256 code challenge of a verifier. */
export function s256(verifier: string): string {
  return createHash('sha256').update(verifier).digest('base64url');
}
