import { Injectable } from '@nestjs/common';
import type { TokenResponse } from '@latchkey/contracts';
import {
  InvalidGrant,
  InvalidRequest,
  InvalidScope,
  InvalidTarget,
  isPublicClient,
  isValidCodeVerifier,
  OFFLINE_ACCESS_SCOPE,
  OPENID_SCOPE,
  parseScope,
  readResourceIndicator,
  readSingleParams,
  type RawParams,
  verifyPkce,
  verifyRedirectUriForCode,
} from '@latchkey/oauth';
import type { Audience } from '../access-tokens/audience.resolver';
import { AudienceResolver } from '../access-tokens/audience.resolver';
import type { TokenClient } from '../clients/client-record';
import type { CodeBinding } from '../codes/authorization-code';
import { CodesService } from '../codes/codes.service';
import { DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS } from '../token.lifetimes';
import { UserGrantsService } from '../user-grants/user-grants.service';
import type { GrantContext, GrantHandler } from './grant-handler';
import { UserTokensIssuer } from './user-tokens.issuer';

export interface CodeExchangeParams {
  code: string;
  redirectUri?: string;
  codeVerifier?: string;
  resource?: string;
}

/**
 * authorization_code (RFC 6749 §4.1.3, OIDC Core §3.1.3): the code is taken from the store for
 * good (a replay revokes what this exchange issues), then it must have been issued to this client,
 * for this redirect_uri, with a matching PKCE proof. The grant is stored before any token is
 * signed; the response carries an access token, an ID Token when `openid` was granted, and a
 * refresh token when the grant allows one.
 */
@Injectable()
export class AuthorizationCodeGrant implements GrantHandler {
  readonly grantType = 'authorization_code' as const;

  constructor(
    private readonly codes: CodesService,
    private readonly grants: UserGrantsService,
    private readonly audiences: AudienceResolver,
    private readonly tokens: UserTokensIssuer,
  ) {}

  async handle({ client, params, request: tokenRequest }: GrantContext): Promise<TokenResponse> {
    // Malformed requests are refused before the code is touched, so a client bug does not burn it.
    const request = readCodeExchangeParams(params);
    const { binding, grantId } = await this.codes.redeem(request.code);
    checkCodeIssuedToClient(binding, client);
    verifyRedirectUriForCode(request.redirectUri, {
      redirectUri: binding.redirect_uri,
      explicit: binding.redirect_uri_explicit !== false,
    });
    checkPublicClientUsedPkce(binding, client);
    verifyPkce({
      challenge: binding.code_challenge,
      method: binding.code_challenge_method,
      verifier: request.codeVerifier,
    });
    // Resolved with the resources as they are now: a scope removed since the consent is gone.
    const audience = await this.audiences.resolve(
      parseScope(binding.scope),
      binding.resource,
      client,
    );
    checkResourceIsTheBoundOne(request.resource, audience);
    checkSomeScopeIssuable(audience);
    const scopes = new Set(audience.scopes);
    const refreshLifetime = issuesRefreshToken(client, scopes)
      ? (client.refresh_token_lifetime ?? DEFAULT_REFRESH_TOKEN_LIFETIME_SECONDS)
      : undefined;
    const { grant, refreshToken } = await this.grants.create(
      {
        id: grantId,
        clientId: client.client_id,
        sub: binding.sub,
        scope: binding.scope,
        sid: binding.sid,
        authTime: binding.auth_time,
        amr: binding.amr,
        acr: binding.acr,
        idp: binding.idp,
        resource: binding.resource,
        claimsRequest: binding.claims,
      },
      refreshLifetime,
    );
    return this.tokens.issue({
      client,
      grant,
      audience,
      scopes,
      nonce: binding.nonce,
      refreshToken,
      event: 'token.issued',
      ip: tokenRequest.ip,
      user_agent: tokenRequest.user_agent,
    });
  }
}

/**
 * RFC 6749 §4.1.3: `code` is required and `code_verifier` must have the RFC 7636 syntax.
 * (`redirect_uri` is required when the authorization request had one, which only the code knows.)
 */
export function readCodeExchangeParams(params: RawParams): CodeExchangeParams {
  const { code, redirect_uri, code_verifier } = readSingleParams(params, [
    'code',
    'redirect_uri',
    'code_verifier',
  ]);
  if (code === undefined) throw new InvalidRequest('code is required');
  if (code_verifier !== undefined && !isValidCodeVerifier(code_verifier)) {
    throw new InvalidRequest('code_verifier must be 43 to 128 characters of [A-Za-z0-9-._~]');
  }
  return {
    code,
    redirectUri: redirect_uri,
    codeVerifier: code_verifier,
    resource: readResourceIndicator(params),
  };
}

/** RFC 6749 §4.1.3: the code must have been issued to the authenticated client. */
export function checkCodeIssuedToClient(binding: CodeBinding, client: TokenClient): void {
  if (binding.client_id !== client.client_id) {
    throw new InvalidGrant('the authorization code was issued to another client');
  }
}

/** docs/architecture.md §3: a public client's code always carries a PKCE challenge (defence in depth). */
export function checkPublicClientUsedPkce(binding: CodeBinding, client: TokenClient): void {
  if (isPublicClient(client) && !binding.code_challenge) {
    throw new InvalidGrant('the authorization code of a public client must be bound to PKCE');
  }
}

/**
 * RFC 8707 §2.2: a `resource` at the token endpoint may only repeat the audience the grant is
 * for (its one resource, or the issuer); it does not narrow a token for several resources.
 */
export function checkResourceIsTheBoundOne(resource: string | undefined, audience: Audience): void {
  if (resource === undefined) return;
  const only =
    audience.resources.length === 0
      ? audience.aud
      : audience.resources.length === 1
        ? audience.resources[0]!.identifier
        : undefined;
  if (resource !== only) {
    throw new InvalidTarget('resource is not the one the authorization was granted for');
  }
}

/**
 * RFC 6749 §3.3: what the grant holds may shrink (a scope removed from its resource, or from
 * the client's registration); when nothing of it can be issued any more, no token is.
 */
export function checkSomeScopeIssuable(audience: Audience): void {
  if (audience.scopes.length === 0) {
    throw new InvalidScope('none of the granted scopes can be issued any more');
  }
}

/**
 * docs/architecture.md §3: a refresh token needs the refresh_token grant type; an OpenID Connect client (one
 * registered for `openid`) also needs the user's consent to `offline_access` (OIDC Core §11).
 */
export function issuesRefreshToken(client: TokenClient, granted: ReadonlySet<string>): boolean {
  if (!client.grant_types.includes('refresh_token')) return false;
  const oidcClient = client.scope ? parseScope(client.scope).has(OPENID_SCOPE) : false;
  return oidcClient ? granted.has(OFFLINE_ACCESS_SCOPE) : true;
}
