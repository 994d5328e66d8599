import { Injectable } from '@nestjs/common';
import type { TokenResponse } from '@latchkey/contracts';
import {
  InvalidGrant,
  InvalidRequest,
  narrowScope,
  parseScope,
  readResourceIndicator,
  readSingleParams,
  type RawParams,
} from '@latchkey/oauth';
import { type Audience, AudienceResolver } from '../access-tokens/audience.resolver';
import { UserGrantsService } from '../user-grants/user-grants.service';
import { checkResourceIsTheBoundOne, checkSomeScopeIssuable } from './authorization-code.grant';
import type { GrantContext, GrantHandler } from './grant-handler';
import { UserTokensIssuer } from './user-tokens.issuer';

export interface RefreshParams {
  refreshToken: string;
  /** Requested scopes; undefined: all of the grant's. */
  scopes?: Set<string>;
  resource?: string;
}

/**
 * refresh_token (RFC 6749 §6): the presented token is rotated (RFC 9700 §4.14.2) and the client
 * gets a new access token for the grant's scopes or fewer, a new refresh token of the same family
 * (the same one again for a retry within the reuse window, docs/architecture.md §3) and, when the grant includes `openid`, a new ID Token for the same user, authentication time and
 * session (OIDC Core §12.2; no nonce). A revoked, expired, reused or foreign token: invalid_grant.
 */
@Injectable()
export class RefreshTokenGrant implements GrantHandler {
  readonly grantType = 'refresh_token' as const;

  constructor(
    private readonly grants: UserGrantsService,
    private readonly audiences: AudienceResolver,
    private readonly tokens: UserTokensIssuer,
  ) {}

  async handle({ client, params, request: tokenRequest }: GrantContext): Promise<TokenResponse> {
    const request = readRefreshParams(params);
    // The audiences and scopes are checked against the client and the resources as they are
    // now (docs/architecture.md §3, Audiences), before the token is rotated: a refresh that can
    // issue nothing leaves the refresh token as it was.
    const resources = await this.audiences.snapshot();
    let audience: Audience | undefined;
    const { grant, refreshToken, retry } = await this.grants.rotate(
      request.refreshToken,
      client.client_id,
      (found) => {
        const scopes = narrowScope(request.scopes, parseScope(found.scope));
        audience = this.audiences.resolveWith(resources, scopes, found.resource, client);
        checkResourceIsTheBoundOne(request.resource, audience);
        checkSomeScopeIssuable(audience);
      },
    );
    if (!audience) throw new InvalidGrant('the refresh token is invalid');
    return this.tokens.issue({
      client,
      grant,
      audience,
      scopes: new Set(audience.scopes),
      refreshToken,
      event: 'token.refreshed',
      refreshRetry: retry,
      ip: tokenRequest.ip,
      user_agent: tokenRequest.user_agent,
    });
  }
}

/** RFC 6749 §6: `refresh_token` required, `scope` optional and well-formed. */
export function readRefreshParams(params: RawParams): RefreshParams {
  const { refresh_token, scope } = readSingleParams(params, ['refresh_token', 'scope']);
  if (refresh_token === undefined) throw new InvalidRequest('refresh_token is required');
  return {
    refreshToken: refresh_token,
    scopes: scope === undefined ? undefined : parseScope(scope),
    resource: readResourceIndicator(params),
  };
}
