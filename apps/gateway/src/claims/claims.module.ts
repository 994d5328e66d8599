import { Module } from '@nestjs/common';
import { UsersModule } from '../users/users.module';
import { ClaimScopesModule } from './claim-scopes.module';
import { TokenClaimsController } from './token-claims.controller';
import { TokenClaimsService } from './token-claims.service';

/**
 * Claims about users (docs/architecture.md §7): the token service's `users.token_claims`
 * lookups, over the users and the registry's claim mappings.
 */
@Module({
  imports: [UsersModule, ClaimScopesModule],
  controllers: [TokenClaimsController],
  providers: [TokenClaimsService],
  exports: [ClaimScopesModule],
})
export class ClaimsModule {}
