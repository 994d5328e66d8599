import { Inject, Injectable } from '@nestjs/common';
import { ACCESS_TOKEN_TYP, randomToken } from '@latchkey/oauth';
import { SignJWT, type JWTPayload } from 'jose';
import { Clock } from '@latchkey/core';
import { SigningKeysService } from '../keys/signing-keys.service';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';

/** Used when neither the client nor the resource sets an access-token lifetime. */
export const DEFAULT_ACCESS_TOKEN_LIFETIME_SECONDS = 3600;

export interface AccessTokenInput {
  /** The end-user, or the client itself for client_credentials (RFC 9068 §2.2). */
  sub: string;
  client_id: string;
  /** The resources the token is for (RFC 8707), and userinfo; or the issuer. */
  aud: string | string[];
  /** Granted scopes; the `scope` claim is left out when there are none. */
  scopes: readonly string[];
  lifetimeSeconds: number;
  /**
   * More claims (auth_time, acr, amr... for the code flow). They cannot replace the claims this
   * signer sets.
   */
  claims?: JWTPayload;
}

export interface SignedAccessToken {
  token: string;
  jti: string;
  /** NumericDate (seconds). */
  iat: number;
  exp: number;
  expiresIn: number;
}

/**
 * Issues RFC 9068 access tokens: a JWT signed with the active RS256 key (`kid` in the header so
 * resource servers find it in the JWKS), with `iss`, `sub`, `aud`, `client_id`, `scope`, `iat`,
 * `exp` and a random `jti`. Shared by every grant.
 */
@Injectable()
export class AccessTokenSigner {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  async sign(input: AccessTokenInput): Promise<SignedAccessToken> {
    const key = await this.keys.activeKey();
    const iat = this.clock.nowSeconds();
    const exp = iat + input.lifetimeSeconds;
    const jti = randomToken(16);
    const payload: JWTPayload = {
      ...input.claims,
      client_id: input.client_id,
      scope: input.scopes.length > 0 ? input.scopes.join(' ') : undefined,
    };
    const token = await new SignJWT(withoutUndefined(payload))
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ACCESS_TOKEN_TYP })
      .setIssuer(this.config.issuer)
      .setSubject(input.sub)
      .setAudience(input.aud)
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .setJti(jti)
      .sign(key.privateKey);
    return { token, jti, iat, exp, expiresIn: input.lifetimeSeconds };
  }
}

export function withoutUndefined(payload: JWTPayload): JWTPayload {
  return Object.fromEntries(Object.entries(payload).filter(([, value]) => value !== undefined));
}
