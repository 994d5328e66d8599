import { All, Controller, Header, HttpCode, Post } from '@nestjs/common';
import type { RevokeRequest } from '@latchkey/contracts';
import { MethodNotAllowed } from '../errors/edge-errors';
import { FormTokenRequest } from '../token/token-request';
import { RevocationEndpointService } from './revocation-endpoint.service';

@Controller('revoke')
export class RevocationController {
  constructor(private readonly revocation: RevocationEndpointService) {}

  /**
   * RFC 7009 §2: a form POST with the client's credentials, exactly as at /token. Success is
   * 200 with an empty body, whether or not the token was known (§2.2).
   */
  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  revoke(@FormTokenRequest() request: RevokeRequest): Promise<void> {
    return this.revocation.revoke(request);
  }

  /** RFC 7009 §2.1: the client uses POST; anything else is refused as JSON, with `Allow`. */
  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }
}
