import { Injectable } from '@nestjs/common';
import { type RevokeRequest, type RevokeResponse, TokenSubjects } from '@latchkey/contracts';
import { BusClient } from '@latchkey/transport';

/**
 * The revocation endpoint is the token service's, like the token endpoint: the gateway hands
 * the request over and its OAuthErrors come back as themselves.
 */
@Injectable()
export class RevocationEndpointService {
  constructor(private readonly bus: BusClient) {}

  async revoke(request: RevokeRequest): Promise<void> {
    await this.bus.request<RevokeResponse>(TokenSubjects.Revoke, request);
  }
}
