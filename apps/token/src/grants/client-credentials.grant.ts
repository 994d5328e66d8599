import { Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import type { TokenResponse } from '@latchkey/contracts';
import {
  ADMIN_SCOPE,
  checkNoOidcScopes,
  checkScopesAllowed,
  InvalidScope,
  parseScope,
  readResourceIndicator,
  readSingleParams,
  UnauthorizedClient,
  withoutOidcScopes,
} from '@latchkey/oauth';
import { AccessTokenSigner } from '../access-tokens/access-token.signer';
import {
  accessTokenLifetime,
  type Audience,
  AudienceResolver,
} from '../access-tokens/audience.resolver';
import type { TokenClient } from '../clients/client-record';
import type { GrantContext, GrantHandler } from './grant-handler';

/**
 * client_credentials (RFC 6749 §4.4): a confidential client obtains a token for itself. The
 * audience follows RFC 8707 (`resource`, else the client's default resource, else the issuer);
 * the token is an RFC 9068 JWT with `sub` = client_id; no refresh token (§4.4.3).
 */
@Injectable()
export class ClientCredentialsGrant implements GrantHandler {
  readonly grantType = 'client_credentials' as const;

  constructor(
    private readonly audiences: AudienceResolver,
    private readonly signer: AccessTokenSigner,
    private readonly audit: AuditClient,
  ) {}

  async handle({ client, params, request }: GrantContext): Promise<TokenResponse> {
    checkConfidentialClient(client);
    const { scope } = readSingleParams(params, ['scope']);
    const requested = scope === undefined ? undefined : readRequestedScopes(scope, client);
    const audience = await this.audiences.resolve(readResourceIndicator(params), client);
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
    // Recorded before the token leaves: no token without its audit record (fail closed).
    const issued = {
      client_id: client.client_id,
      grant_type: this.grantType,
      scope: response.scope,
      aud: audience.aud,
      jti: signed.jti,
      ip: request.ip,
      user_agent: request.user_agent,
    };
    await this.audit.record('token.issued', { subject: client.client_id, data: issued });
    if (scopes.includes(ADMIN_SCOPE)) {
      // The start of an admin API session, for a security team to find without reading scopes.
      const { client_id, scope, jti, ip, user_agent } = issued;
      await this.audit.record('admin_login.succeeded', {
        subject: client_id,
        actor: { type: 'admin', id: client_id },
        data: { client_id, scope, jti, ip, user_agent },
      });
    }
    return response;
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
  if (requested.some((scope) => !scopeFitsAudience(scope, audience))) {
    throw new InvalidScope('scope not defined by the requested resource');
  }
  return requested;
}

/**
 * Without `scope` (docs/architecture.md §3): the client's registered API scopes, i.e. without OpenID Connect
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

function registeredScopes(client: TokenClient): Set<string> {
  return client.scope ? parseScope(client.scope) : new Set();
}
