import { Injectable } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import type { TokenResponse } from '@latchkey/contracts';
import { formatScope, GROUPS_CLAIM, OPENID_SCOPE, ROLES_CLAIM } from '@latchkey/oauth';
import { AccessTokenSigner } from '../access-tokens/access-token.signer';
import { GRANT_ID_CLAIM } from '../access-tokens/access-token.validator';
import { accessTokenLifetime, type Audience } from '../access-tokens/audience.resolver';
import type { TokenClient } from '../clients/client-record';
import { IdTokenSigner } from '../id-tokens/id-token.signer';
import type { GrantEntity } from '../user-grants/grant.entity';
import { rolesForAudience, UserClaimsLookup } from './user-claims.lookup';

export interface UserTokensInput {
  client: TokenClient;
  grant: GrantEntity;
  audience: Audience;
  /** Scopes of this access token: the grant's, or fewer on a refresh. */
  scopes: ReadonlySet<string>;
  /** From the authorization request; only on the code exchange. */
  nonce?: string;
  refreshToken?: string;
  /** Audit event type: a code exchange issues, a refresh refreshes. */
  event: 'token.issued' | 'token.refreshed';
  /** A retry within the refresh token's reuse window: the refresh token was issued before. */
  refreshRetry?: boolean;
  ip?: string;
  user_agent?: string;
}

/**
 * The token response of a user grant (authorization_code, refresh_token): an RFC 9068 access
 * token for the user, naming its grant in `gid` so that revoking the grant ends it, and, when the
 * grant includes `openid`, an ID Token bound to it by `at_hash`.
 */
@Injectable()
export class UserTokensIssuer {
  constructor(
    private readonly accessTokens: AccessTokenSigner,
    private readonly idTokens: IdTokenSigner,
    private readonly audit: AuditClient,
    private readonly userClaims: UserClaimsLookup,
  ) {}

  async issue(input: UserTokensInput): Promise<TokenResponse> {
    const { client, grant } = input;
    const authTime = grant.authTime ? Math.floor(grant.authTime.getTime() / 1000) : undefined;
    const userClaims = await this.userClaims.lookup(client, grant, input.scopes);
    const roles = rolesForAudience(userClaims, input.audience);
    const signed = await this.accessTokens.sign({
      sub: grant.sub,
      client_id: client.client_id,
      aud: input.audience.aud,
      scopes: [...input.scopes],
      lifetimeSeconds: accessTokenLifetime(client, input.audience),
      // RFC 9068 §2.2.1 authentication claims; `gid` is a random id, so it tells a resource
      // server nothing but which tokens belong together, as a refresh would anyway.
      claims: {
        [GRANT_ID_CLAIM]: grant.id,
        auth_time: authTime,
        acr: grant.acr ?? undefined,
        amr: grant.amr && grant.amr.length > 0 ? grant.amr : undefined,
        // docs/architecture.md §7: roles for this audience always, groups when a scope asks.
        [ROLES_CLAIM]: roles.length > 0 ? roles : undefined,
        [GROUPS_CLAIM]: userClaims.groups,
      },
    });
    const response: TokenResponse = {
      access_token: signed.token,
      token_type: 'Bearer',
      expires_in: signed.expiresIn,
    };
    if (input.scopes.size > 0) response.scope = formatScope(input.scopes);
    if (input.refreshToken !== undefined) response.refresh_token = input.refreshToken;
    if (grant.scope.split(' ').includes(OPENID_SCOPE)) {
      response.id_token = await this.idTokens.sign({
        client,
        sub: grant.sub,
        authTime,
        nonce: input.nonce,
        sid: grant.sid ?? undefined,
        amr: grant.amr ?? undefined,
        acr: grant.acr ?? undefined,
        idp: grant.idp ?? undefined,
        accessToken: signed.token,
        claims: userClaims.id_token_claims,
      });
    }
    // Fail closed: no token leaves without its audit record (docs/architecture.md §6).
    await this.audit.record(input.event, {
      subject: grant.sub,
      data: {
        client_id: client.client_id,
        sub: grant.sub,
        grant: grant.id,
        session: grant.sid ?? undefined,
        scope: response.scope,
        aud: input.audience.aud,
        jti: signed.jti,
        refresh_token_issued: input.refreshToken !== undefined,
        refresh_retry: input.refreshRetry || undefined,
        ip: input.ip,
        user_agent: input.user_agent,
      },
    });
    return response;
  }
}
