import { ClientsCache, clientsCacheProvider } from '@latchkey/transport';
import { Clock } from '../clock/clock';
import { Module } from '@nestjs/common';
import { ClientCacheInvalidationController } from './client-cache-invalidation.controller';

/** The gateway's read-only, cached view of the registry's clients. */
@Module({
  controllers: [ClientCacheInvalidationController],
  providers: [clientsCacheProvider(Clock)],
  exports: [ClientsCache],
})
export class ClientsModule {}
