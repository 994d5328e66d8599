import { All, Controller, Options, Req, Res, UseFilters } from '@nestjs/common';
import { CORS_ENDPOINTS } from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { ClientFormPost } from './client-form-post';
import { CorsPolicy } from './cors';
import type { RevokeRequest } from '@latchkey/contracts';
import { MethodNotAllowed } from './edge-errors';
import { RevocationEndpoint } from './endpoints';
import { OAuthErrorFilter } from './oauth-error.filter';
import { FormTokenRequest } from './token-request';

@Controller('revoke')
@UseFilters(OAuthErrorFilter)
export class RevocationController {
  constructor(
    private readonly revocation: RevocationEndpoint,
    private readonly cors: CorsPolicy,
  ) {}

  /**
   * RFC 7009 §2: a form POST with the client's credentials, exactly as at /token. Success is
   * 200 with an empty body, whether or not the token was known (§2.2).
   */
  @ClientFormPost()
  async revoke(@FormTokenRequest() request: RevokeRequest): Promise<void> {
    await this.revocation.revoke(request);
  }

  /** A browser app's CORS preflight (docs/architecture.md §3). */
  @Options()
  preflight(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.cors.answerPreflight(req, res, CORS_ENDPOINTS.revocation);
  }

  /** RFC 7009 §2.1: the client uses POST; anything else is refused as JSON, with `Allow`. */
  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }
}
