import {
  All,
  Controller,
  Header,
  HttpCode,
  Options,
  Post,
  Req,
  Res,
  UseFilters,
  UseInterceptors,
} from '@nestjs/common';
import { CORS_ENDPOINTS } from '@latchkey/oauth';
import type { Request, Response } from 'express';
import { clientNamedByRequest, CorsForClient, CorsPolicy } from './cors';
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

  /** RFC 6749 §3.2, §5.1: tokens must never be cached, hence no-store and (HTTP/1.0) Pragma. */
  @Post()
  @UseInterceptors(CorsForClient(clientNamedByRequest))
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
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
