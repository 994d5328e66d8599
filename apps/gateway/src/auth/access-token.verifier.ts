import { Inject, Injectable } from '@nestjs/common';
import { JwksResponse, revokedJtiKey, SIGNING_ALGORITHMS } from '@latchkey/contracts';
import { KV_TOKEN, type KvStore } from '@latchkey/kv';
import {
  accessTokenVerifyOptions,
  InvalidToken,
  isActiveClient,
  OAuthError,
  parseScope,
} from '@latchkey/oauth';
import { ClientsCache } from '@latchkey/registry-client';
import { createLocalJWKSet, errors, jwtVerify, type JWTPayload, type JWTVerifyGetKey } from 'jose';
import { ISSUER } from '@latchkey/oauth-http';
import { JwksService } from '../well-known/jwks.service';

/** What the gateway's own APIs learn from a verified RFC 9068 access token. */
export interface AccessTokenClaims {
  sub: string;
  client_id: string;
  scopes: ReadonlySet<string>;
  jti: string;
  exp: number;
}

/**
 * Verifies RFC 9068 JWT access tokens addressed to the platform itself (`aud` includes the
 * issuer: the admin API, later userinfo), locally against the cached JWKS: no bus round trip per
 * request. A token naming a key the cache does not know triggers one JWKS refresh (a key rotated
 * in since the set was cached); JwksService rate-limits those refreshes. The token's client is
 * read through the client cache, so a known client costs no bus round trip either.
 */
@Injectable()
export class AccessTokenVerifier {
  private keySet?: { jwks: JwksResponse; getKey: JWTVerifyGetKey };

  constructor(
    private readonly jwks: JwksService,
    @Inject(ISSUER) private readonly issuer: string,
    @Inject(KV_TOKEN) private readonly kv: KvStore,
    private readonly clients: ClientsCache,
  ) {}

  async verify(token: string): Promise<AccessTokenClaims> {
    let payload: JWTPayload;
    try {
      payload = await this.verifyWith(await this.jwks.get(), token);
    } catch (err) {
      if (!isNoMatchingKey(err)) throw toInvalidToken(err);
      try {
        payload = await this.verifyWith(await this.jwks.refresh(), token);
      } catch (retryErr) {
        throw toInvalidToken(retryErr);
      }
    }
    const claims = readClaims(payload);
    // RFC 7009: a revoked access token stops working before it expires (one store read; an
    // unreachable store fails closed with 503).
    if ((await this.kv.get(revokedJtiKey(claims.jti))) !== null) {
      throw new InvalidToken('the access token has been revoked');
    }
    // A token lives no longer than its client: read from memory while the client is cached,
    // the cache being cleared by the client's change before that change is answered
    // (docs/architecture.md §2.6). An unreachable registry fails closed with 503.
    if (!isActiveClient(await this.clients.get(claims.client_id))) {
      throw new InvalidToken('the client of the access token is not active');
    }
    return claims;
  }

  private async verifyWith(jwks: JwksResponse, token: string): Promise<JWTPayload> {
    if (this.keySet?.jwks !== jwks) this.keySet = { jwks, getKey: createLocalJWKSet(jwks) };
    // The platform's one set of verification rules (typ at+jwt, algorithms, claims, tolerance),
    // here for the issuer as audience: the admin API is the platform's own.
    const options = accessTokenVerifyOptions({
      issuer: this.issuer,
      audience: this.issuer,
      algorithms: SIGNING_ALGORITHMS,
    });
    const { payload } = await jwtVerify(token, this.keySet.getKey, options);
    return payload;
  }
}

function isNoMatchingKey(err: unknown): boolean {
  return err instanceof errors.JOSEError && err.code === 'ERR_JWKS_NO_MATCHING_KEY';
}

/**
 * jose's failures become invalid_token with a short reason; an OAuthError (the JWKS could not be
 * fetched: 503) and anything unexpected pass through untouched.
 */
function toInvalidToken(err: unknown): unknown {
  if (err instanceof OAuthError || !(err instanceof errors.JOSEError)) return err;
  switch (err.code) {
    case 'ERR_JWT_EXPIRED':
      return new InvalidToken('the access token has expired');
    case 'ERR_JWT_CLAIM_VALIDATION_FAILED':
      // jose names the claim or header (iss, aud, typ, nbf, ...): fixed ASCII, safe to show.
      return new InvalidToken(
        `the access token's ${(err as errors.JWTClaimValidationFailed).claim} is not valid here`,
      );
    default:
      return new InvalidToken('the access token is not valid');
  }
}

/** RFC 9068 §2.2 claim types; `scope` is a space-delimited string (RFC 8693 §4.2). */
function readClaims(payload: JWTPayload): AccessTokenClaims {
  const { sub, client_id, jti, exp, scope } = payload;
  if (typeof sub !== 'string' || typeof client_id !== 'string' || typeof jti !== 'string') {
    throw new InvalidToken('the access token is not valid');
  }
  if (typeof exp !== 'number') throw new InvalidToken('the access token is not valid');
  return { sub, client_id, jti, exp, scopes: readScopes(scope) };
}

function readScopes(scope: unknown): ReadonlySet<string> {
  if (scope === undefined) return new Set();
  if (typeof scope !== 'string') throw new InvalidToken('the access token scope is malformed');
  try {
    return parseScope(scope);
  } catch {
    throw new InvalidToken('the access token scope is malformed');
  }
}
