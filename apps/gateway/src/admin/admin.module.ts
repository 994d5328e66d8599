import { Module } from '@nestjs/common';
import { AuthModule } from '../auth/auth.module';
import { ClaimScopesModule } from '../claims/claim-scopes.module';
import { ClientsModule } from '../clients/clients.module';
import { AdminClaimScopesController } from './claim-scopes.controller';
import { AdminClaimScopesService } from './claim-scopes.service';
import { AdminClientsController } from './clients.controller';
import { AdminClientsService } from './clients.service';
import { AdminIdentityProvidersController } from './identity-providers.controller';
import { AdminIdentityProvidersService } from './identity-providers.service';
import { AdminInitialAccessTokensController } from './initial-access-tokens.controller';
import { AdminKeysController } from './keys.controller';
import { AdminKeysService } from './keys.service';
import { AdminResourcesController } from './resources.controller';
import { AdminResourcesService } from './resources.service';

/** The admin REST API (docs/architecture.md §4) under /admin, for access tokens with the admin scope. */
@Module({
  imports: [AuthModule, ClientsModule, ClaimScopesModule],
  controllers: [
    AdminClientsController,
    AdminResourcesController,
    AdminClaimScopesController,
    AdminInitialAccessTokensController,
    AdminKeysController,
    AdminIdentityProvidersController,
  ],
  providers: [
    AdminClientsService,
    AdminResourcesService,
    AdminClaimScopesService,
    AdminKeysService,
    AdminIdentityProvidersService,
  ],
})
export class AdminModule {}
