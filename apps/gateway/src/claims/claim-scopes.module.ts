import { Module } from '@nestjs/common';
import { ClaimScopesInvalidationController } from './claim-scopes-invalidation.controller';
import { ClaimScopesCache } from '@latchkey/registry-client';

/** The registry's claim scopes, cached (discovery, userinfo, token claims). */
@Module({
  controllers: [ClaimScopesInvalidationController],
  providers: [ClaimScopesCache],
  exports: [ClaimScopesCache],
})
export class ClaimScopesModule {}
