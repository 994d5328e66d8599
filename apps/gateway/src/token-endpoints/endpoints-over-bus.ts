import { Injectable } from '@nestjs/common';
import {
  type IntrospectionJwtResponse,
  type IntrospectionResponse,
  type IntrospectRequest,
  type RevokeRequest,
  type RevokeResponse,
  type TokenRequest,
  type TokenResponse,
  TokenSubjects,
} from '@latchkey/contracts';
import { IntrospectionEndpoint, RevocationEndpoint, TokenEndpoint } from '@latchkey/oauth-http';
import { BusClient } from '@latchkey/transport';

/*
 * The token, introspection and revocation endpoints are the token service's: client
 * authentication and every grant happen there. The gateway, when a request for them reaches it,
 * only hands the request over; the token service's OAuthErrors come back as themselves.
 */

@Injectable()
export class TokenEndpointOverBus implements TokenEndpoint {
  constructor(private readonly bus: BusClient) {}

  handle(request: TokenRequest): Promise<TokenResponse> {
    return this.bus.request<TokenResponse>(TokenSubjects.Request, request);
  }
}

@Injectable()
export class IntrospectionEndpointOverBus implements IntrospectionEndpoint {
  constructor(private readonly bus: BusClient) {}

  introspect(
    request: IntrospectRequest,
  ): Promise<IntrospectionResponse | IntrospectionJwtResponse> {
    return this.bus.request(TokenSubjects.Introspect, request);
  }
}

@Injectable()
export class RevocationEndpointOverBus implements RevocationEndpoint {
  constructor(private readonly bus: BusClient) {}

  revoke(request: RevokeRequest): Promise<RevokeResponse> {
    return this.bus.request<RevokeResponse>(TokenSubjects.Revoke, request);
  }
}
