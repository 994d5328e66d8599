import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type TokenRequest, type TokenResponse, TokenSubjects } from '@latchkey/contracts';
import { TokenEndpointService } from './token-endpoint.service';

@Controller()
export class TokenController {
  constructor(private readonly tokenEndpoint: TokenEndpointService) {}

  @MessagePattern(TokenSubjects.Request)
  token(@Payload() request: TokenRequest): Promise<TokenResponse> {
    return this.tokenEndpoint.handle(request);
  }
}
