import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import { type RevokeRequest, type RevokeResponse, TokenSubjects } from '@latchkey/contracts';
import { RevocationService } from './revocation.service';

@Controller()
export class RevocationController {
  constructor(private readonly revocation: RevocationService) {}

  @MessagePattern(TokenSubjects.Revoke)
  revoke(@Payload() request: RevokeRequest): Promise<RevokeResponse> {
    return this.revocation.revoke(request);
  }
}
