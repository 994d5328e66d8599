import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Services } from '@latchkey/contracts';
import type { PlatformConfig } from '@latchkey/config';
import { busReadiness, databaseReadiness, platformImports } from '@latchkey/observability';
import { PersistenceModule } from '@latchkey/persistence';
import { GATEWAY_PERSISTENCE } from './gateway.persistence';
import { HttpExceptionFilter } from './errors/http-exception.filter';
import { DiscoveryService } from './well-known/discovery.service';
import { JwksService } from './well-known/jwks.service';
import { WellKnownController } from './well-known/well-known.controller';

/** The HTTP edge: every URL under the issuer. */
@Module({})
export class GatewayModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ...platformImports(Services.Gateway, config),
        PersistenceModule.forService(GATEWAY_PERSISTENCE),
      ],
      controllers: [WellKnownController],
      providers: [
        { provide: DiscoveryService, useValue: new DiscoveryService(config.issuer) },
        JwksService,
        databaseReadiness(),
        busReadiness(),
        { provide: APP_FILTER, useValue: new HttpExceptionFilter(config.issuer) },
      ],
    };
  }
}
