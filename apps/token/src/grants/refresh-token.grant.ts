import { Inject, Injectable } from '@nestjs/common';
import type { TokenResponse } from '@latchkey/contracts';
import {
  intendedAudience,
  InvalidRequest,
  InvalidTarget,
  narrowScope,
  parseScope,
  readResourceIndicator,
  readSingleParams,
  type RawParams,
} from '@latchkey/oauth';
import { AudienceResolver } from '../access-tokens/audience.resolver';
import type { TokenClient } from '../clients/client-record';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import type { GrantEntity } from '../user-grants/grant.entity';
import { UserGrantsService } from '../user-grants/user-grants.service';
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
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  async handle({ client, params, request: tokenRequest }: GrantContext): Promise<TokenResponse> {
    const request = readRefreshParams(params);
    let scopes = new Set<string>();
    const { grant, refreshToken, retry } = await this.grants.rotate(
      request.refreshToken,
      client.client_id,
      (found) => {
        scopes = narrowScope(request.scopes, parseScope(found.scope));
        checkResourceIsTheGrantOne(request.resource, found, client, this.config.issuer);
      },
    );
    const audience = await this.audiences.resolve(grant.resource ?? undefined, client);
    return this.tokens.issue({
      client,
      grant,
      audience,
      scopes,
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

/** RFC 8707 §2.2: a `resource` on refresh may only name the grant's own audience. */
export function checkResourceIsTheGrantOne(
  resource: string | undefined,
  grant: GrantEntity,
  client: TokenClient,
  issuer: string,
): void {
  if (resource === undefined) return;
  const audience = intendedAudience(grant.resource, client.default_resource, issuer);
  if (resource !== audience) {
    throw new InvalidTarget('resource is not the one the grant was made for');
  }
}
