import { Module } from '@nestjs/common';
import { ClientCacheInvalidationController } from './client-cache-invalidation.controller';
import { ClientsCache } from './clients.cache';

/** The gateway's read-only, cached view of the registry's clients. */
@Module({
  controllers: [ClientCacheInvalidationController],
  providers: [ClientsCache],
  exports: [ClientsCache],
})
export class ClientsModule {}
