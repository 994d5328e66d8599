import { All, Controller, Header, HttpCode, Post, UseFilters } from '@nestjs/common';
import type { TokenRequest, TokenResponse } from '@latchkey/contracts';
import { MethodNotAllowed } from './edge-errors';
import { TokenEndpoint } from './endpoints';
import { OAuthErrorFilter } from './oauth-error.filter';
import { FormTokenRequest } from './token-request';

@Controller('token')
@UseFilters(OAuthErrorFilter)
export class TokenController {
  constructor(private readonly tokens: TokenEndpoint) {}

  /** RFC 6749 §3.2, §5.1: tokens must never be cached, hence no-store and (HTTP/1.0) Pragma. */
  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@FormTokenRequest() request: TokenRequest): Promise<TokenResponse> {
    return this.tokens.handle(request);
  }

  /** RFC 6749 §3.2: the client MUST use POST; anything else is refused as JSON, with `Allow`. */
  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }
}
