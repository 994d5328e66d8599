import { DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { Services } from '@latchkey/contracts';
import type { PlatformConfig } from '@latchkey/config';
import { busReadiness, databaseReadiness, platformImports } from '@latchkey/observability';
import { PersistenceModule } from '@latchkey/persistence';
import { AdminModule } from './admin/admin.module';
import { HttpExceptionFilter } from './errors/http-exception.filter';
import { GATEWAY_PERSISTENCE } from './gateway.persistence';
import { IssuerModule } from './issuer.module';
import { OpenApiModule } from './openapi/openapi.module';
import { OpenApiService } from './openapi/openapi.service';
import { RegistrationModule } from './registration/registration.module';
import { TokenEndpointModule } from './token/token-endpoint.module';
import { WellKnownModule } from './well-known/well-known.module';

/** The HTTP edge: every URL under the issuer. */
@Module({})
export class GatewayModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: GatewayModule,
      imports: [
        ...platformImports(Services.Gateway, config),
        PersistenceModule.forService(GATEWAY_PERSISTENCE),
        IssuerModule.forRoot(config.issuer),
        WellKnownModule,
        TokenEndpointModule,
        AdminModule,
        RegistrationModule,
        OpenApiModule,
      ],
      providers: [
        databaseReadiness(),
        busReadiness(),
        { provide: APP_FILTER, useValue: new HttpExceptionFilter(config.issuer) },
      ],
    };
  }
}

/** Start-up steps that need the created application (before it listens). */
export function configureGateway(app: INestApplication): void {
  app.get(OpenApiService).build(app);
}
