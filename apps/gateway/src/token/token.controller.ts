import { All, Controller, Header, HttpCode, Post } from '@nestjs/common';
import type { TokenRequest, TokenResponse } from '@latchkey/contracts';
import { MethodNotAllowed } from '../errors/edge-errors';
import { TokenEndpointService } from './token-endpoint.service';
import { FormTokenRequest } from './token-request';

@Controller('token')
export class TokenController {
  constructor(private readonly tokens: TokenEndpointService) {}

  /** RFC 6749 §3.2, §5.1: tokens must never be cached, hence no-store and (HTTP/1.0) Pragma. */
  @Post()
  @HttpCode(200)
  @Header('Cache-Control', 'no-store')
  @Header('Pragma', 'no-cache')
  token(@FormTokenRequest() request: TokenRequest): Promise<TokenResponse> {
    return this.tokens.request(request);
  }

  /** RFC 6749 §3.2: the client MUST use POST; anything else is refused as JSON, with `Allow`. */
  @All()
  otherMethods(): never {
    throw new MethodNotAllowed(['POST']);
  }
}
