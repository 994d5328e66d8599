import { Injectable } from '@nestjs/common';
import { TokenRequest, TokenResponse, TokenSubjects } from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';

/**
 * The token endpoint is the token service's: client authentication and every grant happen there.
 * The gateway only hands the request over; its OAuthErrors come back as themselves.
 */
@Injectable()
export class TokenEndpointService {
  constructor(private readonly bus: BusClient) {}

  request(request: TokenRequest): Promise<TokenResponse> {
    return this.bus.request<TokenResponse>(TokenSubjects.Request, request);
  }
}
