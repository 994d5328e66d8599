import {
  ClientsCache,
  clientsCacheProvider,
  ResourcesCache,
  resourcesCacheProvider,
} from '@latchkey/registry-client';
import { Module } from '@nestjs/common';
import { ClientCacheInvalidationController } from './client-cache-invalidation.controller';

/** The gateway's read-only, cached view of the registry's clients and resources. */
@Module({
  controllers: [ClientCacheInvalidationController],
  providers: [clientsCacheProvider(), resourcesCacheProvider()],
  exports: [ClientsCache, ResourcesCache],
})
export class ClientsModule {}
