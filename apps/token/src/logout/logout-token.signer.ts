import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_SIGNING_ALGORITHM } from '@latchkey/contracts';
import { randomToken } from '@latchkey/oauth';
import { SignJWT } from 'jose';
import { Clock } from '@latchkey/core';
import type { TokenClient } from '../clients/client-record';
import { SigningKeysService } from '../keys/signing-keys.service';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';

/** OpenID Back-Channel Logout 1.0 §2.4: the `typ` header of a Logout Token. */
export const LOGOUT_TOKEN_TYP = 'logout+jwt';
/** §2.4: the member of `events` that makes a JWT a Logout Token. */
export const BACKCHANNEL_LOGOUT_EVENT = 'http://schemas.openid.net/event/backchannel-logout';
/** §2.4 recommends a short life: the RP must receive it right away, and it must not be replayed. */
export const LOGOUT_TOKEN_LIFETIME_SECONDS = 120;

export interface LogoutTokenInput {
  client: TokenClient;
  sub: string;
  sid: string;
}

/**
 * Logout Tokens (OpenID Back-Channel Logout 1.0 §2.4): for one RP (`aud`), about one user
 * (`sub`) and SSO session (`sid`), with `iss`, `iat`, `exp`, a unique `jti` and the
 * back-channel logout event, and never a `nonce` (§2.4: so it cannot pass for an ID Token, as
 * `typ: logout+jwt` also ensures). Signed with the algorithm of the RP's ID Tokens.
 */
@Injectable()
export class LogoutTokenSigner {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  async sign(input: LogoutTokenInput): Promise<string> {
    const alg = input.client.id_token_signed_response_alg ?? DEFAULT_SIGNING_ALGORITHM;
    const key = await this.keys.activeKey(alg);
    const iat = this.clock.nowSeconds();
    return new SignJWT({ sid: input.sid, events: { [BACKCHANNEL_LOGOUT_EVENT]: {} } })
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: LOGOUT_TOKEN_TYP })
      .setIssuer(this.config.issuer)
      .setSubject(input.sub)
      .setAudience(input.client.client_id)
      .setIssuedAt(iat)
      .setExpirationTime(iat + LOGOUT_TOKEN_LIFETIME_SECONDS)
      .setJti(randomToken(16))
      .sign(key.privateKey);
  }
}
