import type { IntrospectionResponse } from '@latchkey/contracts';
import { InvalidClient } from '@latchkey/oauth';
import type { TokenClient } from '../clients/client-record';
import type { ActiveAccessToken } from '../presented-tokens/presented-token.finder';
import type { StoredRefreshToken } from '../user-grants/grant-management.service';
import { judgeRefreshToken } from '../user-grants/refresh-token';

export const INACTIVE: IntrospectionResponse = { active: false };

/**
 * RFC 7662 §2.1 asks for authorization at this endpoint: only a client that can authenticate
 * introspects. A public client (`none`) proves nothing, so it is refused like bad credentials.
 */
export function checkClientMayIntrospect(client: TokenClient): void {
  if (client.token_endpoint_auth_method === 'none') throw new InvalidClient();
}

/**
 * RFC 7662 §4 (token scanning): who may learn about an access token. Its own client, or the
 * resource server it is for. A client is the resource server of the API resource named by its
 * `default_resource` when that resource is among the token's audiences; only an administrator
 * sets `default_resource` (the admin API, or the policy of the initial access token a client
 * registered itself with), so no client can make itself another API's resource server. The issuer
 * does not count as a resource here: tokens for the issuer (userinfo, the admin API) are of
 * interest to no other client. Anyone else gets `{active: false}`.
 */
export function mayIntrospectAccessToken(
  caller: TokenClient,
  token: ActiveAccessToken,
  issuer: string,
): boolean {
  if (token.client_id === caller.client_id) return true;
  const resource = caller.default_resource;
  return resource !== undefined && resource !== issuer && token.aud.includes(resource);
}

/**
 * A refresh token is only ever its own client's business (no resource server receives one), and
 * is active while its client could still use it: neither it nor its grant revoked, not rotated,
 * not expired (absolute or idle).
 */
export function isActiveRefreshTokenOf(
  caller: TokenClient,
  stored: StoredRefreshToken,
  now: Date,
): boolean {
  return judgeRefreshToken(stored.token, stored.grant, caller.client_id, now).kind === 'usable';
}

/** RFC 7662 §2.2 for an active access token. */
export function accessTokenIntrospection(
  token: ActiveAccessToken,
  issuer: string,
): IntrospectionResponse {
  return {
    active: true,
    ...(token.scope ? { scope: token.scope } : {}),
    client_id: token.client_id,
    sub: token.sub,
    aud: token.aud.length === 1 ? token.aud[0]! : token.aud,
    iss: issuer,
    exp: token.exp,
    iat: token.iat,
    token_type: 'Bearer',
    jti: token.jti,
  };
}

/**
 * RFC 7662 §2.2 for an active refresh token: its grant's scope and user, `exp` the moment it
 * expires if unused (idle, never past the family's absolute end), `iat` when it was issued.
 * Its audience is this authorization server.
 */
export function refreshTokenIntrospection(
  stored: StoredRefreshToken,
  issuer: string,
): IntrospectionResponse {
  const { token, grant } = stored;
  return {
    active: true,
    ...(grant.scope ? { scope: grant.scope } : {}),
    client_id: grant.clientId,
    sub: grant.sub,
    aud: issuer,
    iss: issuer,
    exp: Math.floor(token.idleExpiresAt.getTime() / 1000),
    iat: Math.floor(token.createdAt.getTime() / 1000),
    token_type: 'refresh_token',
  };
}
