import { ClientsCache, clientsCacheProvider } from '@latchkey/registry-client';
import { Module } from '@nestjs/common';
import { ClientCacheInvalidationController } from './client-cache-invalidation.controller';

/** The gateway's read-only, cached view of the registry's clients. */
@Module({
  controllers: [ClientCacheInvalidationController],
  providers: [clientsCacheProvider()],
  exports: [ClientsCache],
})
export class ClientsModule {}
