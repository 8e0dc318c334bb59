/** The clients the built-in authorization server knows, from the config (and, in tests, registered at run time). */
import { timingSafeEqual, createHash } from 'node:crypto';
import type { AuthClientConfig } from './auth-config.ts';
import { OAuthError } from './oauth-error.ts';
import { parseScopes, ScopeError } from './scopes.ts';

export class ClientRegistry {
  private readonly clients = new Map<string, AuthClientConfig>();

  constructor(clients: AuthClientConfig[] = []) {
    for (const client of clients) this.register(client);
  }

  /** Adds a client; its allowed scopes must parse, and a secret is only accepted for a demo client. */
  register(client: AuthClientConfig): void {
    try {
      parseScopes(client.scope);
    } catch (err) {
      if (err instanceof ScopeError) throw new Error(`Client ${client.clientId}: ${err.message}`);
      throw err;
    }
    if (client.secret !== undefined && !client.demo) throw new Error(`Client ${client.clientId}: a client secret is only allowed for demo clients`);
    this.clients.set(client.clientId, client);
  }

  get(clientId: string): AuthClientConfig | undefined {
    return this.clients.get(clientId);
  }

  /** The client, or invalid_client. */
  require(clientId: string): AuthClientConfig {
    const client = this.clients.get(clientId);
    if (!client) throw new OAuthError('invalid_client', `Unknown client ${clientId}`);
    return client;
  }

  /** client_secret_basic for demo clients: https://www.rfc-editor.org/rfc/rfc6749#section-2.3.1 */
  checkSecret(clientId: string, secret: string): AuthClientConfig {
    const client = this.require(clientId);
    if (client.secret === undefined || !client.demo) throw new OAuthError('invalid_client', `Client ${clientId} does not authenticate with a secret`);
    // Compare digests so the comparison takes the same time whatever the lengths.
    const digest = (s: string) => createHash('sha256').update(s).digest();
    if (!timingSafeEqual(digest(secret), digest(client.secret))) throw new OAuthError('invalid_client', `Wrong secret for client ${clientId}`);
    return client;
  }
}
