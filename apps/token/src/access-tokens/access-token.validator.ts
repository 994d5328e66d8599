import { Inject, Injectable } from '@nestjs/common';
import { SIGNING_ALGORITHMS, type ValidateAccessTokenResponse } from '@latchkey/contracts';
import { accessTokenVerifyOptions, isActiveClient } from '@latchkey/oauth';
import { ClientsCache } from '@latchkey/registry-client';
import { createLocalJWKSet, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import type { JwksResponse } from '@latchkey/contracts';
import { Clock } from '@latchkey/core';
import { PublishedKeySet } from '../keys/published-key-set';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import type { GrantEntity } from '../user-grants/grant.entity';
import { UserGrantsService } from '../user-grants/user-grants.service';
import { RevokedAccessTokens } from './revoked-access-tokens';

/** The private claim holding the id of the grant a user-flow access token was issued from. */
export const GRANT_ID_CLAIM = 'gid';

const INACTIVE: ValidateAccessTokenResponse = { active: false };

/** Far above any token we sign; longer input is not worth parsing. */
const MAX_TOKEN_LENGTH = 8192;
type ActiveToken = Extract<ValidateAccessTokenResponse, { active: true }>;

/**
 * `token.access_token.validate`, for the platform's own resource endpoints (userinfo): the JWT
 * must be an access token this service signed (typ at+jwt, iss, signature with a published key,
 * exp), not revoked by its `jti` (RFC 7009), issued to a client that still exists and is enabled,
 * and, for a user-flow token, its grant must still be live, so that revoking a grant (code replay,
 * refresh-token reuse, user disabled, revocation of its refresh token) ends its access tokens at
 * once. Any problem with the token answers
 * `{active: false}`; only an unreachable backend is an error (503). Introspection and revocation
 * judge access tokens with it too.
 */
@Injectable()
export class AccessTokenValidator {
  /** The verifier of the last key set seen, built once per set. */
  private verifier?: { keySet: JwksResponse; getKey: JWTVerifyGetKey };

  constructor(
    private readonly keySet: PublishedKeySet,
    private readonly grants: UserGrantsService,
    private readonly clock: Clock,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
    private readonly revoked: RevokedAccessTokens,
    private readonly clients: ClientsCache,
  ) {}

  async validate(request: unknown): Promise<ValidateAccessTokenResponse> {
    const token = readToken(request);
    if (token === undefined) return INACTIVE;
    const payload = await this.verify(token);
    const claims = payload && readClaims(payload);
    if (!claims) return INACTIVE;
    if (await this.revoked.isRevoked(claims.jti)) return INACTIVE;
    // A token lives no longer than its client (docs/architecture.md §2.6: the cache is cleared
    // by the client's change before that change is answered).
    if (!isActiveClient(await this.clients.get(claims.client_id))) return INACTIVE;
    if (claims.grant_id === undefined) return claims;
    const grant = await this.liveGrant(claims.grant_id, claims);
    if (!grant) return INACTIVE;
    // Userinfo honours the `claims` request of the authorization (OIDC Core §5.5).
    if (grant.claimsRequest) claims.claims_request = grant.claimsRequest;
    return claims;
  }

  private async verify(token: string): Promise<JWTPayload | undefined> {
    const keySet = await this.keySet.get();
    const first = await this.verifyWith(this.keyLookup(keySet), token);
    if (first.payload || !first.unknownKey) return first.payload;
    // A key rotated in since the set was read: read it again, unless that just happened.
    const refreshed = await this.keySet.refresh();
    if (refreshed === keySet) return undefined;
    return (await this.verifyWith(this.keyLookup(refreshed), token)).payload;
  }

  private keyLookup(keySet: JwksResponse): JWTVerifyGetKey {
    if (this.verifier?.keySet !== keySet) {
      this.verifier = { keySet, getKey: createLocalJWKSet(keySet) };
    }
    return this.verifier.getKey;
  }

  private async verifyWith(
    getKey: JWTVerifyGetKey,
    token: string,
  ): Promise<{ payload?: JWTPayload; unknownKey?: boolean }> {
    try {
      // The platform's one set of verification rules; any audience, since resource servers
      // introspect tokens meant for them (the caller checks the audience it serves).
      const options = accessTokenVerifyOptions({
        issuer: this.config.issuer,
        algorithms: SIGNING_ALGORITHMS,
        now: this.clock.now(),
      });
      const { payload } = await jwtVerify(token, getKey, options);
      return { payload };
    } catch (err) {
      return { unknownKey: (err as { code?: unknown }).code === 'ERR_JWKS_NO_MATCHING_KEY' };
    }
  }

  /** The grant, if it exists, is not revoked, and is the one of this user and client. */
  private async liveGrant(grantId: string, claims: ActiveToken): Promise<GrantEntity | null> {
    const grant = await this.grants.findActive(grantId);
    return grant !== null && grant.sub === claims.sub && grant.clientId === claims.client_id
      ? grant
      : null;
  }
}

function readToken(request: unknown): string | undefined {
  const token = (request as { token?: unknown } | null | undefined)?.token;
  if (typeof token !== 'string' || token === '' || token.length > MAX_TOKEN_LENGTH) {
    return undefined;
  }
  return token;
}

/** The verified claims in the response's shape; undefined when one has the wrong type. */
function readClaims(payload: JWTPayload): ActiveToken | undefined {
  const { sub, aud, exp, iat, jti, client_id, scope } = payload;
  const grantId: unknown = payload[GRANT_ID_CLAIM];
  const audiences = typeof aud === 'string' ? [aud] : aud;
  if (
    typeof sub !== 'string' ||
    typeof client_id !== 'string' ||
    typeof jti !== 'string' ||
    typeof exp !== 'number' ||
    typeof iat !== 'number' ||
    !Array.isArray(audiences) ||
    (scope !== undefined && typeof scope !== 'string') ||
    (grantId !== undefined && typeof grantId !== 'string')
  ) {
    return undefined;
  }
  const claims: ActiveToken = {
    active: true,
    sub,
    client_id,
    scope: (scope as string | undefined) ?? '',
    aud: audiences,
    exp,
    iat,
    jti,
  };
  if (grantId !== undefined) claims.grant_id = grantId as string;
  return claims;
}
