import { Module } from '@nestjs/common';
import { GrantManagementController } from './grant-management.controller';
import { GrantManagementService } from './grant-management.service';
import { RefreshTokenSuccessors } from './refresh-token-successors';
import { UserGrantsController } from './user-grants.controller';
import { UserGrantsRepository } from './user-grants.repository';
import { UserGrantsService } from './user-grants.service';

/**
 * Grants and refresh-token families (Postgres): `token.grants.revoke_user`, and the grant
 * management subjects (`token.grants.list`, `token.grants.revoke`).
 */
@Module({
  controllers: [UserGrantsController, GrantManagementController],
  providers: [
    UserGrantsRepository,
    RefreshTokenSuccessors,
    UserGrantsService,
    GrantManagementService,
  ],
  exports: [UserGrantsService, GrantManagementService],
})
export class UserGrantsModule {}
