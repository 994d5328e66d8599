import { All, Controller, Header, HttpCode, Post, UseFilters } from '@nestjs/common';
import type { RevokeRequest } from '@latchkey/contracts';
import { MethodNotAllowed } from './edge-errors';
import { RevocationEndpoint } from './endpoints';
import { OAuthErrorFilter } from './oauth-error.filter';
import { FormTokenRequest } from './token-request';

@Controller('revoke')
@UseFilters(OAuthErrorFilter)
export class RevocationController {
  constructor(private readonly revocation: RevocationEndpoint) {}

  /**
   * RFC 7009 §2: a form POST with the client's credentials, exactly as at /token. Success is
   * 200 with an empty body, whether or not the token was known (§2.2).
   */
  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  async revoke(@FormTokenRequest() request: RevokeRequest): Promise<void> {
    await this.revocation.revoke(request);
  }

  /** RFC 7009 §2.1: the client uses POST; anything else is refused as JSON, with `Allow`. */
  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }
}
