import { Module } from '@nestjs/common';
import { CacheInvalidationController } from './cache-invalidation.controller';
import { ClientsCache } from './clients.cache';
import { ResourcesCache } from './resources.cache';

/** The token service's read-only view of the registry's clients and resources. */
@Module({
  controllers: [CacheInvalidationController],
  providers: [ClientsCache, ResourcesCache],
  exports: [ClientsCache, ResourcesCache],
})
export class ClientsModule {}
