import { Inject, Injectable } from '@nestjs/common';
import type { IntrospectionResponse } from '@latchkey/contracts';
import { SignJWT } from 'jose';
import { Clock } from '@latchkey/core';
import { SigningKeysService } from '../keys/signing-keys.service';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';

/** RFC 9701 §5: the `typ` of a signed introspection response (and its media type's subtype). */
export const INTROSPECTION_JWT_TYP = 'token-introspection+jwt';

/**
 * RFC 9701 §5: the introspection response as a JWT signed with the active default key, for the
 * caller (`aud`), with `iss`, `iat` and the RFC 7662 JSON in `token_introspection`. No `sub` or
 * `exp` at the top level, so it can never pass for an access token.
 */
@Injectable()
export class IntrospectionResponseSigner {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  async sign(response: IntrospectionResponse, callerClientId: string): Promise<string> {
    const key = await this.keys.activeKey();
    return new SignJWT({ token_introspection: { ...response } })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: INTROSPECTION_JWT_TYP })
      .setIssuer(this.config.issuer)
      .setAudience(callerClientId)
      .setIssuedAt(this.clock.nowSeconds())
      .sign(key.privateKey);
  }
}
