import { All, Controller, Options, Req, Res, UseFilters } from '@nestjs/common';
import { CORS_ENDPOINTS } from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { ClientFormPost } from './client-form-post';
import { CorsPolicy } from './cors';
import type { TokenRequest, TokenResponse } from '@latchkey/contracts';
import { MethodNotAllowed } from './edge-errors';
import { TokenEndpoint } from './endpoints';
import { OAuthErrorFilter } from './oauth-error.filter';
import { FormTokenRequest } from './token-request';

@Controller('token')
@UseFilters(OAuthErrorFilter)
export class TokenController {
  constructor(
    private readonly tokens: TokenEndpoint,
    private readonly cors: CorsPolicy,
  ) {}

  /** RFC 6749 §3.2: the token request; its answer is never cached (§5.1). */
  @ClientFormPost()
  token(@FormTokenRequest() request: TokenRequest): Promise<TokenResponse> {
    return this.tokens.handle(request);
  }

  /** A browser app's CORS preflight (docs/architecture.md §3). */
  @Options()
  preflight(@Req() req: Request, @Res() res: Response): Promise<void> {
    return this.cors.answerPreflight(req, res, CORS_ENDPOINTS.token);
  }

  /** RFC 6749 §3.2: the client MUST use POST; anything else is refused as JSON, with `Allow`. */
  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }
}
