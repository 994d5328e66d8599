import { Inject, Injectable } from '@nestjs/common';
import type { ResourceView, TokenResponse } from '@latchkey/contracts';
import {
  checkNoOidcScopes,
  checkScopesAllowed,
  InvalidScope,
  InvalidTarget,
  parseScope,
  readResourceIndicator,
  readSingleParams,
  UnauthorizedClient,
  withoutOidcScopes,
} from '@latchkey/oauth';
import {
  AccessTokenSigner,
  DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS,
} from '../access-tokens/access-token.signer';
import type { TokenClient } from '../clients/client-record';
import { ResourcesCache } from '../clients/resources.cache';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import type { GrantContext, GrantHandler } from './grant-handler';

/** The scope of the platform's own admin API; only in tokens whose audience is the issuer. */
export const ADMIN_SCOPE = 'admin';

/** Who the token is for: a registered API resource, or the authorization server itself. */
export type Audience =
  { kind: 'resource'; aud: string; resource: ResourceView } | { kind: 'issuer'; aud: string };

/**
 * client_credentials (RFC 6749 §4.4): a confidential client obtains a token for itself. The
 * audience follows RFC 8707 (`resource`, else the client's default resource, else the issuer);
 * the token is an RFC 9068 JWT with `sub` = client_id; no refresh token (§4.4.3).
 */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials' as const;

  constructor(
    private readonly resources: ResourcesCache,
    private readonly signer: AccessTokenSigner,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  async handle({ client, params }: GrantContext): Promise<TokenResponse> {
    checkConfidentialClient(client);
    const { scope } = readSingleParams(params, ['scope']);
    const requested = scope === undefined ? undefined : readRequestedScopes(scope, client);
    const audience = await this.resolveAudience(readResourceIndicator(params), client);
    const scopes =
      requested === undefined
        ? defaultScopesFor(client, audience)
        : checkScopesFitAudience(requested, audience);
    const lifetimeSeconds = accessTokenLifetime(client, audience);
    const signed = await this.signer.sign({
      sub: client.client_id,
      client_id: client.client_id,
      aud: audience.aud,
      scopes,
      lifetimeSeconds,
    });
    const response: TokenResponse = {
      access_token: signed.token,
      token_type: 'Bearer',
      expires_in: signed.expiresIn,
    };
    if (scopes.length > 0) response.scope = scopes.join(' ');
    return response;
  }

  /**
   * RFC 8707: the requested resource must be registered (the issuer itself is always known);
   * without one, the client's default resource, else the issuer.
   */
  async resolveAudience(resource: string | undefined, client: TokenClient): Promise<Audience> {
    const target = resource ?? client.default_resource;
    if (target === undefined || target === this.config.issuer) {
      return { kind: 'issuer', aud: this.config.issuer };
    }
    const registered = await this.resources.get(target);
    if (!registered) {
      throw new InvalidTarget(
        resource === undefined
          ? "the client's default_resource is not a registered resource"
          : 'resource is not a registered resource',
      );
    }
    return { kind: 'resource', aud: registered.identifier, resource: registered };
  }
}

/** RFC 6749 §4.4: only a client that can authenticate may act on its own behalf. */
export function checkConfidentialClient(client: TokenClient): void {
  if (client.token_endpoint_auth_method === 'none') {
    throw new UnauthorizedClient('public clients cannot use client_credentials');
  }
}

/**
 * The `scope` parameter: well-formed, not empty, no OpenID Connect scope (there is no end-user),
 * and only scopes the client is registered for.
 */
export function readRequestedScopes(scope: string, client: TokenClient): string[] {
  const requested = parseScope(scope);
  if (requested.size === 0) {
    throw new InvalidScope('scope, when present, must name at least one scope');
  }
  checkNoOidcScopes(requested);
  checkScopesAllowed(requested, registeredScopes(client));
  return [...requested];
}

/**
 * Explicitly requested scopes must all belong to the audience: defined by the resource, and
 * `admin` only for the issuer (the admin API lives there; a resource server must never receive
 * a token that also opens it).
 */
export function checkScopesFitAudience(requested: string[], audience: Audience): string[] {
  if (audience.kind === 'resource' && requested.includes(ADMIN_SCOPE)) {
    throw new InvalidScope(`${ADMIN_SCOPE} is only granted for the issuer, not for a resource`);
  }
  const misfits = requested.filter((scope) => !scopeFitsAudience(scope, audience));
  if (misfits.length > 0) {
    throw new InvalidScope(`scope not defined by the requested resource: ${misfits.join(' ')}`);
  }
  return requested;
}

/**
 * Without `scope` (DESIGN §3): the client's registered API scopes, i.e. without OpenID Connect
 * scopes, narrowed to those that belong to the audience, so that a client registered for scopes
 * of several resources gets, for each, that resource's share. A client with none of a resource's
 * scopes gets no token for it.
 */
export function defaultScopesFor(client: TokenClient, audience: Audience): string[] {
  const scopes = withoutOidcScopes(registeredScopes(client)).filter((scope) =>
    scopeFitsAudience(scope, audience),
  );
  if (audience.kind === 'resource' && scopes.length === 0) {
    throw new InvalidScope('the client is registered for no scope of this resource');
  }
  return scopes;
}

function scopeFitsAudience(scope: string, audience: Audience): boolean {
  if (audience.kind === 'issuer') return true;
  return scope !== ADMIN_SCOPE && audience.resource.scopes.includes(scope);
}

/** The client's own lifetime wins, then the resource's, then the platform default. */
export function accessTokenLifetime(client: TokenClient, audience: Audience): number {
  return (
    client.access_token_lifetime ??
    (audience.kind === 'resource' ? audience.resource.access_token_lifetime : undefined) ??
    DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS
  );
}

function registeredScopes(client: TokenClient): Set<string> {
  return client.scope ? parseScope(client.scope) : new Set();
}
