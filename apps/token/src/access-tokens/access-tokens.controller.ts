import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  TokenSubjects,
  type ValidateAccessTokenRequest,
  type ValidateAccessTokenResponse,
} from '@latchkey/contracts';
import { AccessTokenValidator } from './access-token.validator';

@Controller()
export class AccessTokensController {
  constructor(private readonly validator: AccessTokenValidator) {}

  @MessagePattern(TokenSubjects.ValidateAccessToken)
  validate(@Payload() request: ValidateAccessTokenRequest): Promise<ValidateAccessTokenResponse> {
    return this.validator.validate(request);
  }
}
