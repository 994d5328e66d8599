import { Inject, Injectable } from '@nestjs/common';
import {
  TokenSubjects,
  type ValidateAccessTokenRequest,
  type ValidateAccessTokenResponse,
} from '@latchkey/contracts';
import {
  InsufficientScope,
  InvalidToken,
  isForUserinfo,
  OPENID_SCOPE,
  parseScope,
  selectClaims,
} from '@latchkey/oauth';
import { BusClient } from '@latchkey/transport';
import { ISSUER } from '@latchkey/oauth-http';
import { ClaimScopesCache } from '@latchkey/registry-client';
import { readStoredClaimsRequest } from '../claims/token-claims.service';
import { grantedClaims, type UserinfoClaims } from '../users/user-claims';
import { UsersService } from '../users/users.service';

type ActiveToken = Extract<ValidateAccessTokenResponse, { active: true }>;

/**
 * OIDC Core §5.3: the claims of the token's user that its scopes release (§5.4, and the claim
 * scopes of docs/architecture.md §7). The token service
 * vouches for the token (signature, expiry, grant not revoked); the user must still be active.
 */
@Injectable()
export class UserinfoService {
  constructor(
    private readonly bus: BusClient,
    private readonly users: UsersService,
    private readonly claimScopes: ClaimScopesCache,
    @Inject(ISSUER) private readonly issuer: string,
  ) {}

  async claims(token: string): Promise<UserinfoClaims> {
    const request: ValidateAccessTokenRequest = { token };
    const validated = await this.bus.request<ValidateAccessTokenResponse>(
      TokenSubjects.ValidateAccessToken,
      request,
    );
    const active = checkActiveToken(validated);
    checkUserinfoAudience(active, this.issuer);
    const scopes = checkOpenIdScope(active);
    const user = await this.users.findActiveById(active.sub);
    if (!user) throw new InvalidToken('the access token is not active');
    const granted = grantedClaims(user, scopes, await this.claimScopes.all());
    // Every granted claim (§5.4); a `claims` request only adds value constraints here (§5.5).
    const claimsRequest = readStoredClaimsRequest(active.claims_request);
    return {
      ...selectClaims(granted, 'userinfo', { allGranted: true, request: claimsRequest }),
      sub: user.id,
    };
  }
}

/** RFC 6750 §3.1 invalid_token: expired, revoked, malformed or not ours alike. */
export function checkActiveToken(validated: ValidateAccessTokenResponse | null): ActiveToken {
  if (!validated || validated.active !== true || typeof validated.sub !== 'string') {
    throw new InvalidToken('the access token is not active');
  }
  return validated;
}

/**
 * RFC 9068 §4: a resource server accepts only tokens meant for it. Userinfo is the issuer's own
 * resource: the token's audience is the issuer (a token for no API) or names the userinfo
 * endpoint (a token for an API that carries `openid`, docs/architecture.md §3, Audiences).
 */
export function checkUserinfoAudience(token: ActiveToken, issuer: string): void {
  if (!Array.isArray(token.aud) || !isForUserinfo(token.aud, issuer)) {
    throw new InvalidToken('the access token is not meant for the userinfo endpoint');
  }
}

/** OIDC Core §5.3.1: userinfo serves OpenID Connect tokens only (RFC 6750 insufficient_scope). */
export function checkOpenIdScope(token: ActiveToken): Set<string> {
  let scopes: Set<string>;
  try {
    scopes = parseScope(typeof token.scope === 'string' ? token.scope : '');
  } catch {
    throw new InvalidToken('the access token is not active');
  }
  if (!scopes.has(OPENID_SCOPE)) {
    throw new InsufficientScope('the access token lacks the openid scope');
  }
  return scopes;
}
