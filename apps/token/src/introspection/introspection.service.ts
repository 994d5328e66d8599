import { Inject, Injectable } from '@nestjs/common';
import type {
  IntrospectionJwtResponse,
  IntrospectionResponse,
  IntrospectRequest,
} from '@latchkey/contracts';
import { ClientAuthenticator } from '../client-auth/client-authenticator.service';
import { authenticationInputOf, readRequestParams } from '../client-auth/client-request';
import type { TokenClient } from '../clients/client-record';
import { Clock } from '@latchkey/core';
import { PresentedTokenFinder } from '../presented-tokens/presented-token.finder';
import { readPresentedTokenParams } from '../presented-tokens/token-type-hint';
import { TOKEN_CONFIG, type TokenConfig } from '../token.config';
import { IntrospectionResponseSigner } from './introspection-response.signer';
import {
  accessTokenIntrospection,
  checkClientMayIntrospect,
  INACTIVE,
  isActiveRefreshTokenOf,
  mayIntrospectAccessToken,
  refreshTokenIntrospection,
} from './introspection-rules';

/**
 * The introspection endpoint (RFC 7662) behind the gateway's `POST /introspect`: `token`
 * required, a confidential client authenticated with the token endpoint's rules, then the token
 * found with the help of `token_type_hint`. Active tokens the caller may know about are
 * described; everything else (expired, revoked, rotated, another issuer's, garbage, or not the
 * caller's business) is exactly `{active: false}`, which tells nothing. With `want_jwt` the answer
 * is the RFC 9701 signed JWT.
 */
@Injectable()
export class IntrospectionService {
  constructor(
    private readonly clientAuthenticator: ClientAuthenticator,
    private readonly tokens: PresentedTokenFinder,
    private readonly signer: IntrospectionResponseSigner,
    private readonly clock: Clock,
    @Inject(TOKEN_CONFIG) private readonly config: TokenConfig,
  ) {}

  async introspect(
    request: IntrospectRequest,
  ): Promise<IntrospectionResponse | IntrospectionJwtResponse> {
    const params = readRequestParams(request);
    const presented = readPresentedTokenParams(params);
    const { client } = await this.clientAuthenticator.authenticate(
      authenticationInputOf(request, params, 'introspection'),
    );
    checkClientMayIntrospect(client);
    const response = await this.describe(presented, client);
    if (request.want_jwt === true) {
      return { jwt: await this.signer.sign(response, client.client_id) };
    }
    return response;
  }

  private async describe(
    presented: ReturnType<typeof readPresentedTokenParams>,
    client: TokenClient,
  ): Promise<IntrospectionResponse> {
    const found = await this.tokens.find(presented);
    const issuer = this.config.issuer;
    if (found?.type === 'access_token' && mayIntrospectAccessToken(client, found.claims, issuer)) {
      return accessTokenIntrospection(found.claims, issuer);
    }
    if (
      found?.type === 'refresh_token' &&
      isActiveRefreshTokenOf(client, found, this.clock.now())
    ) {
      return refreshTokenIntrospection(found, issuer);
    }
    return INACTIVE;
  }
}
