import { ClientsCache } from '@latchkey/registry-client';
import { Inject, Injectable, Logger } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import {
  acceptsClientAuthMethod,
  claimedClientId,
  type ClientAuthentication,
  detectClientAuthentication,
  InvalidClient,
  type RawParams,
} from '@latchkey/oauth';
import { Clock } from '@latchkey/core';
import type { TokenClient } from '../clients/client-record';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import { ClientKeysResolver } from './client-keys.resolver';
import { checkClientSecret } from './client-secret.auth';
import { authenticateNone } from './none.auth';
import { authenticatePrivateKeyJwt } from './private-key-jwt.auth';

export type ClientAuthenticationMethod = ClientAuthentication['method'];

export interface AuthenticatedClient {
  client: TokenClient;
  method: ClientAuthenticationMethod;
}

export interface ClientAuthenticationInput {
  /** The raw Authorization header, if any. */
  authorization?: string;
  /** The request's form parameters. */
  params: RawParams | undefined;
  /** For the audit event of a failure: where, and from whom. */
  endpoint: 'token' | 'introspection' | 'revocation';
  ip?: string;
  user_agent?: string;
}

/**
 * Client authentication at the token endpoint (and, later, revocation and introspection):
 * exactly one method per request, the client known and enabled, the method the one it registered,
 * and the credentials valid. Every failure after the method is known is the same 401
 * invalid_client with a generic description; the reason goes to the debug log, because telling an
 * unauthenticated caller whether a client exists or which check failed only helps an attacker.
 */
@Injectable()
export class ClientAuthenticator {
  private readonly logger = new Logger(ClientAuthenticator.name);

  constructor(
    private readonly clients: ClientsCache,
    private readonly keys: ClientKeysResolver,
    private readonly clock: Clock,
    @Inject(KV_TOKEN) private readonly kv: KvStore,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
    private readonly audit: AuditClient,
  ) {}

  async authenticate(input: ClientAuthenticationInput): Promise<AuthenticatedClient> {
    // Malformed or ambiguous credentials keep their specific, input-free descriptions.
    const auth = detectClientAuthentication({
      authorizationHeader: input.authorization,
      body: input.params,
    });
    let clientId: string | undefined;
    try {
      clientId = claimedClientId(auth);
      const client = await this.clients.get(clientId);
      checkClientKnownAndEnabled(client);
      checkRegisteredAuthMethod(client, auth.method);
      await this.verifyCredentials(client, auth);
      return { client, method: auth.method };
    } catch (err) {
      if (!(err instanceof InvalidClient)) throw err;
      this.logger.debug(
        `client authentication failed (${auth.method}, client ${describeClientId(clientId)}): ${err.description}`,
      );
      await this.audit.record('client_authentication.failed', {
        subject: clientId,
        // Claimed, not proven: a client id names who tried, an absent one nobody.
        actor: clientId === undefined ? { type: 'anonymous' } : { type: 'client', id: clientId },
        data: {
          client_id: clientId,
          endpoint: input.endpoint,
          method: auth.method,
          reason: err.description,
          ip: input.ip,
          user_agent: input.user_agent,
        },
      });
      throw new InvalidClient();
    }
  }

  private async verifyCredentials(client: TokenClient, auth: ClientAuthentication): Promise<void> {
    const now = this.clock.now();
    switch (auth.method) {
      case 'client_secret_basic':
      case 'client_secret_post':
        return checkClientSecret(client, auth.secret, now);
      case 'private_key_jwt':
        return authenticatePrivateKeyJwt(client, auth.assertion, {
          issuer: this.config.issuer,
          now,
          keys: this.keys.forClient(client),
          kv: this.kv,
        });
      case 'none':
        return authenticateNone(client);
    }
  }
}

export function checkClientKnownAndEnabled(
  client: TokenClient | null,
): asserts client is TokenClient {
  if (!client) throw new InvalidClient('unknown client');
  if (client.disabled) throw new InvalidClient('client is disabled');
}

/** A client authenticates only with a method its registration allows (acceptsClientAuthMethod). */
export function checkRegisteredAuthMethod(
  client: TokenClient,
  method: ClientAuthenticationMethod,
): void {
  if (!acceptsClientAuthMethod(client.token_endpoint_auth_method, method)) {
    throw new InvalidClient(
      `client authenticated with ${method} but is registered for ${client.token_endpoint_auth_method}`,
    );
  }
}

/** For the log only: quoted and truncated, as it is caller input. */
function describeClientId(clientId: string | undefined): string {
  return clientId === undefined ? '(none)' : JSON.stringify(clientId.slice(0, 64));
}
