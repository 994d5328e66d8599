import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type TokenClaimsRequest,
  type TokenClaimsResponse,
  UserSubjects,
} from '@latchkey/contracts';
import { TokenClaimsService } from './token-claims.service';

/** `users.token_claims`, asked by the token service when it signs a user's tokens. */
@Controller()
export class TokenClaimsController {
  constructor(private readonly claims: TokenClaimsService) {}

  @MessagePattern(UserSubjects.TokenClaims)
  tokenClaims(@Payload() request: TokenClaimsRequest): Promise<TokenClaimsResponse> {
    return this.claims.tokenClaims(request);
  }
}
