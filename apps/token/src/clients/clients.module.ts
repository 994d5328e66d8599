import {
  ClientsCache,
  clientsCacheProvider,
  ResourcesCache,
  resourcesCacheProvider,
} from '@latchkey/registry-client';
import { Module } from '@nestjs/common';
import { CacheInvalidationController } from './cache-invalidation.controller';

/** The token service's read-only view of the registry's clients and resources. */
@Module({
  controllers: [CacheInvalidationController],
  providers: [clientsCacheProvider(), resourcesCacheProvider()],
  exports: [ClientsCache, ResourcesCache],
})
export class ClientsModule {}
