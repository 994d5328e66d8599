import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { FederatedAccountsService } from './federated-accounts.service';
import { FederatedIdentitiesRepository } from './federated-identities.repository';
import { PasswordHasher } from './password.hasher';
import { UserAccessService } from './user-access.service';
import { UserAdminService } from './user-admin.service';
import { ResourceRolesCheck } from './resource-roles.check';
import { UserEvents } from './user-events';
import { AdminUsersController } from './users.controller';
import { UsersRepository } from './users.repository';
import { UsersService } from './users.service';

/**
 * User accounts: the login flow's UsersService, the /admin/users API, and UserEvents for the
 * session store to end a user's sessions. Needs the gateway's DataSource (PersistenceModule with
 * UserEntity and the Users migration) and BusClient, both global in the gateway.
 */
@Module({
  imports: [AuthModule],
  controllers: [AdminUsersController],
  providers: [
    UsersRepository,
    PasswordHasher,
    UsersService,
    UserAdminService,
    UserAccessService,
    UserEvents,
    ResourceRolesCheck,
    FederatedIdentitiesRepository,
    FederatedAccountsService,
  ],
  exports: [UsersService, UserEvents, FederatedAccountsService],
})
export class UsersModule {}
