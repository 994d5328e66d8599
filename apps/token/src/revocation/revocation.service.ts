import { Injectable, Logger } from '@nestjs/common';
import { AuditClient } from '@latchkey/audit-client';
import type { RevokeRequest, RevokeResponse } from '@latchkey/contracts';
import { RevokedAccessTokens } from '../access-tokens/revoked-access-tokens';
import { ClientAuthenticator } from '../client-auth/client-authenticator.service';
import { authenticationInputOf, readRequestParams } from '../client-auth/client-request';
import type { TokenClient } from '../clients/client-record';
import {
  type ActiveAccessToken,
  type PresentedToken,
  PresentedTokenFinder,
} from '../presented-tokens/presented-token.finder';
import { readPresentedTokenParams } from '../presented-tokens/token-type-hint';
import type { StoredRefreshToken } from '../user-grants/grant-management.service';
import { GrantManagementService } from '../user-grants/grant-management.service';

/**
 * The revocation endpoint (RFC 7009) behind the gateway's `POST /revoke`: `token` required, the
 * client authenticated with the token endpoint's rules (a public client identifies itself and
 * may revoke its own tokens, §5), then the token found with the help of `token_type_hint`:
 *  - a refresh token ends its whole grant, hence also the access tokens issued from it (§2.1);
 *  - an access token is denylisted by its `jti` until it expires (validation and introspection
 *    refuse it from then on); its grant and refresh token are left alone.
 * Success is an empty 200 whether or not anything was revoked (§2.2): a token that is unknown,
 * expired, already revoked, malformed, or another client's changes nothing and tells the caller
 * nothing (answering an error there would make the endpoint an oracle for other clients' tokens).
 */
@Injectable()
export class RevocationService {
  private readonly logger = new Logger(RevocationService.name);

  constructor(
    private readonly clientAuthenticator: ClientAuthenticator,
    private readonly tokens: PresentedTokenFinder,
    private readonly revokedAccessTokens: RevokedAccessTokens,
    private readonly grants: GrantManagementService,
    private readonly audit: AuditClient,
  ) {}

  async revoke(request: RevokeRequest): Promise<RevokeResponse> {
    const params = readRequestParams(request);
    const presented = readPresentedTokenParams(params);
    const { client } = await this.clientAuthenticator.authenticate(
      authenticationInputOf(request, params, 'revocation'),
    );
    const found = await this.tokens.find(presented);
    if (found && isIssuedTo(found, client)) {
      if (found.type === 'access_token') await this.revokeAccessToken(found.claims, request);
      else await this.revokeRefreshToken(found, request);
    } else if (found) {
      this.logger.debug(`client ${client.client_id} presented another client's token: ignored`);
    }
    return {};
  }

  private async revokeAccessToken(claims: ActiveAccessToken, request: RevokeRequest) {
    await this.revokedAccessTokens.revoke(claims.jti, claims.exp, (em) =>
      this.audit.recordInTransaction(em, 'token.revoked', {
        subject: claims.jti,
        actor: { type: 'client', id: claims.client_id },
        data: {
          client_id: claims.client_id,
          sub: claims.sub,
          grant: claims.grant_id,
          jti: claims.jti,
          token_type: 'access_token',
          reason: 'client_revoked',
          ip: request.ip,
          user_agent: request.user_agent,
        },
      }),
    );
  }

  private async revokeRefreshToken(stored: StoredRefreshToken, request: RevokeRequest) {
    await this.grants.revokeForClient(stored.grant, {
      ip: request.ip,
      user_agent: request.user_agent,
    });
  }
}

/** RFC 7009 §2.1: a client may only revoke tokens issued to it. */
export function isIssuedTo(token: PresentedToken, client: TokenClient): boolean {
  const owner = token.type === 'access_token' ? token.claims.client_id : token.grant.clientId;
  return owner === client.client_id;
}
