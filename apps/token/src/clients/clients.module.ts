import { ClientsCache, clientsCacheProvider } from '@latchkey/registry-client';
import { Module } from '@nestjs/common';
import { CacheInvalidationController } from './cache-invalidation.controller';
import { ResourcesCache } from './resources.cache';

/** The token service's read-only view of the registry's clients and resources. */
@Module({
  controllers: [CacheInvalidationController],
  providers: [clientsCacheProvider(), ResourcesCache],
  exports: [ClientsCache, ResourcesCache],
})
export class ClientsModule {}
