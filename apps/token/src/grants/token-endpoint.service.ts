import { authenticationInputOf } from '../client-auth/client-request';
import { Inject, Injectable } from '@nestjs/common';
import type { TokenRequest, TokenResponse } from '@latchkey/contracts';
import {
  InvalidRequest,
  OAuthError,
  readSingleParams,
  UnauthorizedClient,
  UnsupportedGrantType,
  type RawParams,
} from '@latchkey/oauth';
import {
  grantTypeLabel,
  oauthErrorLabel,
  tokenRequestsRefused,
  tokensIssued,
} from '@latchkey/platform';
import { ClientAuthenticator } from '../client-auth/client-authenticator.service';
import type { TokenClient } from '../clients/client-record';
import { GRANT_HANDLERS, type GrantHandler } from './grant-handler';

/**
 * The token endpoint (RFC 6749 §3.2) behind the gateway's `POST /token`: grant_type present,
 * client authenticated, then one handler per grant type. Every failure is an OAuthError the
 * gateway renders (400, or 401 for invalid_client).
 */
@Injectable()
export class TokenEndpointService {
  private readonly grants: ReadonlyMap<string, GrantHandler>;
  private readonly issued = tokensIssued();
  private readonly refused = tokenRequestsRefused();

  constructor(
    private readonly clientAuthenticator: ClientAuthenticator,
    @Inject(GRANT_HANDLERS) grants: GrantHandler[],
  ) {
    this.grants = new Map(grants.map((grant) => [grant.grantType, grant]));
  }

  /**
   * Every token request, whichever way it came (the gateway over the bus, or this service's own
   * HTTP port), is counted here once: issued by grant type, or refused by grant type and error.
   */
  async handle(request: TokenRequest): Promise<TokenResponse> {
    const grantType = grantTypeLabel(
      (request?.params as Record<string, unknown> | undefined)?.grant_type,
    );
    try {
      const response = await this.respond(request);
      this.issued.inc({ grant_type: grantType });
      return response;
    } catch (err) {
      if (err instanceof OAuthError) {
        this.refused.inc({ grant_type: grantType, error: oauthErrorLabel(err.error) });
      }
      throw err;
    }
  }

  private async respond(request: TokenRequest): Promise<TokenResponse> {
    const params = readParams(request);
    const grantType = readGrantType(params);
    const authenticated = await this.clientAuthenticator.authenticate(
      authenticationInputOf(request, params, 'token'),
    );
    const grant = this.grants.get(grantType);
    if (!grant) throw new UnsupportedGrantType('grant_type is not supported');
    checkClientRegisteredForGrant(authenticated.client, grantType);
    return grant.handle({ ...authenticated, params, request });
  }
}

function readParams(request: TokenRequest | undefined): RawParams {
  const params: unknown = request?.params;
  if (typeof params !== 'object' || params === null || Array.isArray(params)) {
    throw new InvalidRequest('the request has no form parameters');
  }
  return params as RawParams;
}

/** RFC 6749 §4.1.3 / §4.4.2: grant_type is required, once. */
function readGrantType(params: RawParams): string {
  const { grant_type } = readSingleParams(params, ['grant_type']);
  if (grant_type === undefined) throw new InvalidRequest('grant_type is required');
  return grant_type;
}

/** RFC 6749 §5.2 unauthorized_client: the client is not registered for this grant type. */
export function checkClientRegisteredForGrant(client: TokenClient, grantType: string): void {
  if (!(client.grant_types as readonly string[]).includes(grantType)) {
    throw new UnauthorizedClient('the client is not registered for this grant_type');
  }
}
