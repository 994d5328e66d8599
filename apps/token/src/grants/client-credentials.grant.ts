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
  registeredScopes,
} from '../access-tokens/audience.resolver';
import type { TokenClient } from '../clients/client-record';
import type { GrantContext, GrantHandler } from './grant-handler';

/**
 * client_credentials (RFC 6749 §4.4): a confidential client obtains a token for itself. Its
 * audiences and scopes follow docs/architecture.md §3 (Audiences), as in every grant; `admin`
 * is granted alone, for the issuer alone. The token is an RFC 9068 JWT with `sub` = client_id;
 * no refresh token (§4.4.3).
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
    const audience = await this.audienceOf(requested, readResourceIndicator(params), client);
    const lifetimeSeconds = accessTokenLifetime(client, audience);
    const signed = await this.signer.sign({
      sub: client.client_id,
      client_id: client.client_id,
      aud: audience.aud,
      scopes: audience.scopes,
      lifetimeSeconds,
    });
    const response: TokenResponse = {
      access_token: signed.token,
      token_type: 'Bearer',
      expires_in: signed.expiresIn,
    };
    if (audience.scopes.length > 0) response.scope = audience.scopes.join(' ');
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
    if (audience.scopes.includes(ADMIN_SCOPE)) {
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

  /**
   * The audiences and scopes: `admin` makes a token for the issuer alone; otherwise the rule
   * of every grant, over the requested scopes or, without `scope`, the client's registered API
   * scopes. Requested scopes that the audiences do not define are refused rather than dropped,
   * since the client named them; defaults are narrowed to the audiences.
   */
  private async audienceOf(
    requested: string[] | undefined,
    resource: string | undefined,
    client: TokenClient,
  ): Promise<Audience> {
    if (requested === undefined) {
      // Nothing named: the client's registration says what and, by its default resource, where.
      const defaults = withoutOidcScopes(registeredScopes(client));
      const target = resource ?? client.default_resource ?? undefined;
      if (defaults.includes(ADMIN_SCOPE) && this.audiences.targetsIssuer(target, client)) {
        return this.audiences.forIssuer([ADMIN_SCOPE]);
      }
      return this.apiAudience(defaults, target, client, false);
    }
    if (requested.includes(ADMIN_SCOPE)) {
      if (!this.audiences.targetsIssuer(resource, client)) {
        throw new InvalidScope(`${ADMIN_SCOPE} is only granted for the issuer, not for a resource`);
      }
      checkAdminAlone(requested);
      return this.audiences.forIssuer([ADMIN_SCOPE]);
    }
    return this.apiAudience(requested, resource, client, true);
  }

  private async apiAudience(
    scopes: string[],
    resource: string | undefined,
    client: TokenClient,
    explicit: boolean,
  ): Promise<Audience> {
    const wanted = scopes.filter((scope) => scope !== ADMIN_SCOPE);
    const audience = await this.audiences.resolve(wanted, resource, client);
    if (explicit && audience.scopes.length < scopes.length) {
      throw new InvalidScope(
        resource === undefined
          ? 'scope not defined by a registered resource'
          : 'scope not defined by the requested resource',
      );
    }
    if (audience.resources.length > 0 && audience.scopes.length === 0) {
      throw new InvalidScope('the client is registered for no scope of this resource');
    }
    return audience;
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
 * A token that opens the admin API is for nothing else: no API scope rides along, so that no
 * resource server ever receives it.
 */
export function checkAdminAlone(scopes: readonly string[]): void {
  if (scopes.some((scope) => scope !== ADMIN_SCOPE)) {
    throw new InvalidScope(`${ADMIN_SCOPE} is granted alone, not with other scopes`);
  }
}
