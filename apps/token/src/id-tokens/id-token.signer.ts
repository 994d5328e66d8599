import { Inject, Injectable } from '@nestjs/common';
import { DEFAULT_SIGNING_ALGORITHM } from '@latchkey/contracts';
import { computeTokenHash } from '@latchkey/oauth';
import { SignJWT } from 'jose';
import { withoutUndefined } from '../access-tokens/access-token.signer';
import { Clock } from '@latchkey/core';
import type { TokenClient } from '../clients/client-record';
import { SigningKeysService } from '../keys/signing-keys.service';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import { DEFAULT_ID_TOKEN_LIFETIME_SECONDS } from '../token.lifetimes';

/** The `typ` of an ID Token: plain JWT (OIDC Core leaves it open; RFC 9068's at+jwt must differ). */
export const ID_TOKEN_TYP = 'JWT';

export interface IdTokenInput {
  client: TokenClient;
  sub: string;
  /** Seconds since the epoch when the user authenticated. */
  authTime?: number;
  /** Echoed from the authorization request; never on a refresh (OIDC Core §12.2). */
  nonce?: string;
  sid?: string;
  amr?: string[];
  acr?: string;
  /** The upstream identity provider's id when the user signed in through one. */
  idp?: string;
  /** The access token issued with it, for `at_hash`. */
  accessToken?: string;
  /** The user's claims for the ID Token (docs/architecture.md §7); the protocol ones win. */
  claims?: Record<string, unknown>;
}

/**
 * ID Tokens (OIDC Core §2, §3.1.3.6): signed with the client's `id_token_signed_response_alg`
 * (RS256 by default), `aud` and `azp` the client, `at_hash` binding the access token issued with
 * it. The user's claims join only when the client or the `claims` request asks (§7).
 */
@Injectable()
export class IdTokenSigner {
  constructor(
    private readonly keys: SigningKeysService,
    private readonly clock: Clock,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  async sign(input: IdTokenInput): Promise<string> {
    const alg = input.client.id_token_signed_response_alg ?? DEFAULT_SIGNING_ALGORITHM;
    const key = await this.keys.activeKey(alg);
    const iat = this.clock.nowSeconds();
    const lifetime = input.client.id_token_lifetime ?? DEFAULT_ID_TOKEN_LIFETIME_SECONDS;
    const claims = withoutUndefined({
      ...input.claims,
      auth_time: input.authTime,
      nonce: input.nonce,
      at_hash:
        input.accessToken === undefined ? undefined : computeTokenHash(input.accessToken, alg),
      azp: input.client.client_id,
      sid: input.sid,
      amr: input.amr && input.amr.length > 0 ? input.amr : undefined,
      acr: input.acr,
      idp: input.idp,
    });
    return new SignJWT(claims)
      .setProtectedHeader({ alg: key.alg, kid: key.kid, typ: ID_TOKEN_TYP })
      .setIssuer(this.config.issuer)
      .setSubject(input.sub)
      .setAudience(input.client.client_id)
      .setIssuedAt(iat)
      .setExpirationTime(iat + lifetime)
      .sign(key.privateKey);
  }
}
