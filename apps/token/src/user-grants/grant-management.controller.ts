import { Controller } from '@nestjs/common';
import { MessagePattern, Payload } from '@nestjs/microservices';
import {
  type ListUserGrantsRequest,
  type ListUserGrantsResponse,
  type RevokeGrantRequest,
  type RevokeGrantResponse,
  TokenSubjects,
} from '@latchkey/contracts';
import { GrantManagementService } from './grant-management.service';
import { readListUserGrantsRequest, readRevokeGrantRequest } from './user-grants.requests';

/** A user's grants for the admin API and the account page (gateway). */
@Controller()
export class GrantManagementController {
  constructor(private readonly grants: GrantManagementService) {}

  @MessagePattern(TokenSubjects.ListUserGrants)
  async list(@Payload() request: ListUserGrantsRequest): Promise<ListUserGrantsResponse> {
    return { items: await this.grants.list(readListUserGrantsRequest(request).sub) };
  }

  @MessagePattern(TokenSubjects.RevokeGrant)
  async revoke(@Payload() request: RevokeGrantRequest): Promise<RevokeGrantResponse> {
    const { grant_id, sub } = readRevokeGrantRequest(request);
    return { revoked: await this.grants.revoke(grant_id, sub) };
  }
}
