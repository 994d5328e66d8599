import { Injectable } from '@nestjs/common';
import type { IdentityProviderRecord } from '@latchkey/contracts';
import {
  ASYMMETRIC_JWS_ALGORITHMS,
  constantTimeEqual,
  jwkSigningAlgorithm,
  JWT_BEARER_CLIENT_ASSERTION_TYPE,
  randomToken,
} from '@latchkey/oauth';
import { OutboundHttp } from '@latchkey/platform';
import { errors as joseErrors, importJWK, type JWK, jwtVerify, SignJWT } from 'jose';
import { UpstreamLoginError } from './upstream-error';
import {
  readJsonObject,
  upstreamCall,
  upstreamGetJson,
  UPSTREAM_USER_AGENT,
} from './upstream-http';
import type { UpstreamMetadata } from './upstream-metadata';
import type { Claims } from './upstream-claims';

/** What the upstream leg of one sign-in is bound to (stored under its `state`). */
export interface UpstreamAuthorization {
  state: string;
  nonce: string;
  codeVerifier: string;
  codeChallenge: string;
  redirectUri: string;
  loginHint?: string;
}

/**
 * Upstream ID Tokens are signed by someone else's clock: this much skew is forgiven on `exp`,
 * `iat` and `nbf` (our own tokens are judged with none, docs/architecture.md §3).
 */
export const UPSTREAM_CLOCK_TOLERANCE_SECONDS = 30;

/**
 * Latchkey as the client of an upstream provider: the authorization request (RFC 6749 §4.1.1
 * with PKCE, `state` and, for OpenID Connect, `nonce`), the code exchange (§4.1.3), the ID Token
 * check (OIDC Core §3.1.3.7) and userinfo (§5.3). Every call goes through the outbound policy
 * with a deadline.
 */
@Injectable()
export class UpstreamOAuthClient {
  constructor(private readonly http: OutboundHttp) {}

  authorizationUrl(
    provider: IdentityProviderRecord,
    metadata: UpstreamMetadata,
    request: UpstreamAuthorization,
  ): string {
    const url = new URL(metadata.authorization_endpoint);
    const params: Record<string, string> = {
      response_type: 'code',
      client_id: clientIdOf(provider),
      redirect_uri: request.redirectUri,
      state: request.state,
      code_challenge: request.codeChallenge,
      code_challenge_method: 'S256',
    };
    if (provider.scopes.length > 0) params.scope = provider.scopes.join(' ');
    if (provider.kind === 'oidc') {
      params.nonce = request.nonce;
      if (request.loginHint !== undefined) params.login_hint = request.loginHint;
    }
    for (const [name, value] of Object.entries(params)) url.searchParams.set(name, value);
    return url.toString();
  }

  /** The token response (RFC 6749 §5.1): an access token, and for OIDC an ID Token. */
  async exchangeCode(
    provider: IdentityProviderRecord,
    metadata: UpstreamMetadata,
    code: string,
    request: Pick<UpstreamAuthorization, 'codeVerifier' | 'redirectUri'>,
  ): Promise<{ accessToken: string; idToken?: string }> {
    const form = new URLSearchParams({
      grant_type: 'authorization_code',
      code,
      redirect_uri: request.redirectUri,
      code_verifier: request.codeVerifier,
    });
    const headers: Record<string, string> = {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'application/json',
      'user-agent': UPSTREAM_USER_AGENT,
    };
    const secret = provider.client_secret;
    if (provider.client_auth_method === 'private_key_jwt') {
      form.set('client_id', clientIdOf(provider));
      form.set('client_assertion_type', JWT_BEARER_CLIENT_ASSERTION_TYPE);
      form.set('client_assertion', await clientAssertion(provider, metadata));
    } else if (secret !== null && provider.client_auth_method === 'client_secret_basic') {
      // RFC 6749 §2.3.1: each part form-urlencoded before Base64.
      const pair = `${formEncode(clientIdOf(provider))}:${formEncode(secret)}`;
      headers.authorization = `Basic ${Buffer.from(pair).toString('base64')}`;
    } else {
      form.set('client_id', clientIdOf(provider));
      if (secret !== null) form.set('client_secret', secret);
    }
    const response = await upstreamCall(this.http, metadata.token_endpoint, {
      method: 'POST',
      headers,
      body: form.toString(),
    });
    const body = await readJsonObject(response, 'token_exchange_failed');
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new UpstreamLoginError('token_exchange_failed', 'no access_token in the answer');
    }
    if (typeof body.token_type !== 'string' || body.token_type.toLowerCase() !== 'bearer') {
      throw new UpstreamLoginError('token_exchange_failed', 'the token is not a Bearer token');
    }
    const idToken = typeof body.id_token === 'string' ? body.id_token : undefined;
    return { accessToken: body.access_token, idToken };
  }

  /**
   * OIDC Core §3.1.3.7: signed by a key of the upstream's JWKS with an asymmetric algorithm,
   * `iss` the upstream's issuer, `aud` containing our client id (and `azp` ours when there are
   * several audiences), not expired, and the `nonce` of this sign-in.
   */
  async validateIdToken(
    provider: IdentityProviderRecord,
    metadata: UpstreamMetadata,
    idToken: string,
    nonce: string,
  ): Promise<Claims> {
    if (!metadata.keys) throw new UpstreamLoginError('id_token_invalid', 'no key set');
    let payload: Claims;
    try {
      ({ payload } = await jwtVerify(idToken, metadata.keys, {
        issuer: metadata.issuer,
        audience: clientIdOf(provider),
        // Asymmetric algorithms only: an HMAC key would be the client secret, and `none` is never.
        algorithms: [...ASYMMETRIC_JWS_ALGORITHMS],
        requiredClaims: ['sub', 'iat', 'exp'],
        clockTolerance: UPSTREAM_CLOCK_TOLERANCE_SECONDS,
      }));
    } catch (err) {
      throw idTokenFailure(err);
    }
    if (
      Array.isArray(payload.aud) &&
      payload.aud.length > 1 &&
      payload.azp !== clientIdOf(provider)
    ) {
      throw new UpstreamLoginError('audience_mismatch', 'azp is not this client');
    }
    if (typeof payload.nonce !== 'string' || !constantTimeEqual(payload.nonce, nonce)) {
      throw new UpstreamLoginError('nonce_mismatch');
    }
    return payload;
  }

  /** OIDC Core §5.3 (or the OAuth 2.0 provider's profile API): a JSON object of claims. */
  userinfo(metadata: UpstreamMetadata, accessToken: string): Promise<Claims> {
    if (!metadata.userinfo_endpoint) {
      throw new UpstreamLoginError('userinfo_failed', 'no userinfo endpoint');
    }
    return upstreamGetJson(
      this.http,
      metadata.userinfo_endpoint,
      { authorization: `Bearer ${accessToken}` },
      'userinfo_failed',
    );
  }
}

/** jose's error codes, by what went wrong with the ID Token. */
function idTokenFailure(err: unknown): UpstreamLoginError {
  if (err instanceof UpstreamLoginError) return err;
  if (err instanceof joseErrors.JWTExpired) return new UpstreamLoginError('id_token_expired');
  if (err instanceof joseErrors.JWTClaimValidationFailed) {
    if (err.claim === 'iss') return new UpstreamLoginError('issuer_mismatch', 'id_token iss');
    if (err.claim === 'aud') return new UpstreamLoginError('audience_mismatch');
    return new UpstreamLoginError('id_token_invalid', `claim ${err.claim}`);
  }
  if (
    err instanceof joseErrors.JWSSignatureVerificationFailed ||
    err instanceof joseErrors.JWKSNoMatchingKey ||
    err instanceof joseErrors.JOSEAlgNotAllowed
  ) {
    return new UpstreamLoginError('signature_invalid', (err as Error).name);
  }
  if (err instanceof joseErrors.JWKSTimeout) return new UpstreamLoginError('unreachable', 'JWKS');
  if (err instanceof joseErrors.JOSEError) {
    return new UpstreamLoginError('id_token_invalid', err.code);
  }
  // The key set could not be fetched (refused target, network error).
  return new UpstreamLoginError('unreachable', (err as Error)?.name);
}

function formEncode(value: string): string {
  return new URLSearchParams({ v: value }).toString().slice(2);
}

/** Latchkey's client id at an OAuth upstream (the registry requires one for those kinds). */
function clientIdOf(provider: IdentityProviderRecord): string {
  if (provider.client_id === null) throw new Error(`provider ${provider.id} has no client_id`);
  return provider.client_id;
}

/** How long Latchkey's client assertion at an upstream lives: one request, some clock skew. */
const CLIENT_ASSERTION_LIFETIME_SECONDS = 60;

/**
 * RFC 7523 §3 (OIDC Core §9 private_key_jwt), signed with the provider's private JWK: `iss` and
 * `sub` our client id, `aud` the upstream's issuer (the audience OpenID Connect now asks for, so
 * an assertion cannot be replayed at another endpoint; an OAuth 2.0 upstream without an issuer:
 * its token endpoint), a fresh `jti`, a minute to live.
 */
async function clientAssertion(
  provider: IdentityProviderRecord,
  metadata: UpstreamMetadata,
): Promise<string> {
  let jwk: JWK;
  try {
    jwk = JSON.parse(provider.client_secret ?? '') as JWK;
  } catch {
    throw new Error(`provider ${provider.id} has no private JWK`);
  }
  const alg = jwkSigningAlgorithm(jwk as Record<string, unknown>);
  if (alg === undefined) throw new Error(`provider ${provider.id} has no private signing JWK`);
  const key = await importJWK(jwk, alg);
  const clientId = clientIdOf(provider);
  return new SignJWT({})
    .setProtectedHeader({ alg, typ: 'JWT', ...(jwk.kid ? { kid: jwk.kid } : {}) })
    .setIssuer(clientId)
    .setSubject(clientId)
    .setAudience(provider.kind === 'oidc' ? metadata.issuer : metadata.token_endpoint)
    .setJti(randomToken())
    .setIssuedAt()
    .setExpirationTime(`${CLIENT_ASSERTION_LIFETIME_SECONDS}s`)
    .sign(key);
}
