import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type RevokeUserGrantsRequest,
  type RevokeUserGrantsResponse,
  TokenSubjects,
} from '@latchkey/contracts';
import { UserGrantsService } from './user-grants.service';
import { readRevokeUserGrantsRequest } from './user-grants.requests';

@Controller()
export class UserGrantsController {
  constructor(private readonly grants: UserGrantsService) {}

  /** The gateway disables a user (or ends all their sessions): every grant of theirs ends. */
  @MessagePattern(TokenSubjects.RevokeUserGrants)
  async revokeUser(@Payload() request: RevokeUserGrantsRequest): Promise<RevokeUserGrantsResponse> {
    const { sub } = readRevokeUserGrantsRequest(request);
    return { revoked: await this.grants.revokeAllOfUser(sub) };
  }
}
