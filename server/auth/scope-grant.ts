/** Which of the scopes a client asks for it gets: all of them, or the request is refused (`invalid_scope`). */
import type { AuthClientConfig } from './auth-config.ts';
import { OAuthError } from './oauth-error.ts';
import { grantCovers, parseScope, parseScopes, ScopeError, type ScopeContext } from './scopes.ts';

/**
 * The scopes granted for a request: those asked for, when the client's registration allows each of them, in the
 * contexts the flow allows (no `patient/` without a patient launch). No scope asked: everything allowed.
 */
export function grantScopes(client: AuthClientConfig, requested: string | undefined, contexts: ScopeContext[]): string[] {
  const allowedList = client.scope.split(/\s+/).filter(Boolean);
  const allowed = parseScopes(allowedList);
  const asked = requested?.trim() ? requested.trim().split(/\s+/) : allowedList;
  for (const scope of asked) {
    let parsed;
    try {
      parsed = parseScope(scope);
    } catch (err) {
      if (err instanceof ScopeError) throw new OAuthError('invalid_scope', err.message);
      throw err;
    }
    if (typeof parsed === 'string') {
      if (!allowed.other.includes(parsed)) throw new OAuthError('invalid_scope', `Client ${client.clientId} may not ask for ${scope}`);
      continue;
    }
    if (!contexts.includes(parsed.context)) {
      throw new OAuthError('invalid_scope', `Scope ${scope}: ${parsed.context}/ scopes are not granted in this flow (allowed: ${contexts.map((c) => `${c}/`).join(', ')})`);
    }
    if (!allowed.grants.some((g) => grantCovers(g, parsed))) {
      throw new OAuthError('invalid_scope', `Client ${client.clientId} may not ask for ${scope}; it is registered for: ${client.scope}`);
    }
  }
  return [...new Set(asked)];
}
