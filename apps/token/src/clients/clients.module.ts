import {
  ClaimScopesCache,
  ClientsCache,
  clientsCacheProvider,
  ResourcesCache,
  resourcesCacheProvider,
} from '@latchkey/registry-client';
import { Module } from '@nestjs/common';
import { CacheInvalidationController } from './cache-invalidation.controller';

/** The token service's read-only view of the registry's clients, resources and claim scopes. */
@Module({
  controllers: [CacheInvalidationController],
  providers: [clientsCacheProvider(), resourcesCacheProvider(), ClaimScopesCache],
  exports: [ClientsCache, ResourcesCache, ClaimScopesCache],
})
export class ClientsModule {}
