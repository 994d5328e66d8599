import { DynamicModule, type INestApplication, Module } from '@nestjs/common';
import { APP_FILTER } from '@nestjs/core';
import { AuditClientModule, auditDelivery, auditSigningKeyFor } from '@latchkey/audit-client';
import { KV_KEY_PREFIX, Services } from '@latchkey/contracts';
import { DEFAULT_AUDIT_SETTINGS, type PlatformConfig } from '@latchkey/config';
import { KvModule } from '@latchkey/kv';
import {
  busReadiness,
  databaseReadiness,
  EdgeInputModule,
  kvReadiness,
  databaseMetrics,
  kvMetrics,
  platformImports,
} from '@latchkey/platform';
import { PersistenceModule } from '@latchkey/persistence';
import { AdminModule } from './admin/admin.module';
import { AdminGrantsModule } from './admin/grants.module';
import { AuditQueryModule } from './audit/audit-query.module';
import { ClaimsModule } from './claims/claims.module';
import { ClockModule } from '@latchkey/core';
import { HttpExceptionFilter } from './errors/http-exception.filter';
import { GATEWAY_PERSISTENCE } from './gateway.persistence';
import { CookieJarModule } from './http/cookie-jar';
import { InteractionModule } from './interaction/interaction.module';
import { IssuerModule } from '@latchkey/oauth-http';
import { LogoutModule } from './logout/logout.module';
import { OpenApiModule } from './openapi/openapi.module';
import { OpenApiService } from './openapi/openapi.service';
import { HTML_ERROR_PATHS, markHtmlErrors } from './pages/html-errors';
import { PageRenderer } from './pages/page.renderer';
import { PagesModule } from './pages/pages.module';
import { RegistrationModule } from './registration/registration.module';
import { TokenEndpointsModule } from './token-endpoints/token-endpoints.module';
import { UserinfoModule } from './userinfo/userinfo.module';
import { UsersModule } from './users/users.module';
import { WellKnownModule } from './well-known/well-known.module';

/** The HTTP edge: every URL under the issuer. */
@Module({})
export class GatewayModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    const cookieSecrets = config.cookieSecrets;
    if (!cookieSecrets?.length) throw new Error('COOKIE_SECRET is required');
    return {
      module: GatewayModule,
      imports: [
        ...platformImports(Services.Gateway, config),
        // Before any handler: input no field can hold is refused (docs/architecture.md §3).
        EdgeInputModule.forRoot({ pages: { paths: HTML_ERROR_PATHS, mark: markHtmlErrors } }),
        PersistenceModule.forService(GATEWAY_PERSISTENCE),
        AuditClientModule.forService({
          service: Services.Gateway,
          issuer: config.issuer,
          schema: GATEWAY_PERSISTENCE.schema,
          ...auditDelivery(config),
          signingKey: auditSigningKeyFor(Services.Gateway, config),
        }),
        AuditQueryModule.forRoot({
          maxConnections:
            config.audit?.streamMaxConnections ?? DEFAULT_AUDIT_SETTINGS.streamMaxConnections,
          heartbeatSeconds:
            config.audit?.streamHeartbeatSeconds ?? DEFAULT_AUDIT_SETTINGS.streamHeartbeatSeconds,
        }),
        KvModule.forRoot({ redisUrl: config.redisUrl, prefix: KV_KEY_PREFIX }),
        IssuerModule.forRoot(config.issuer),
        ClockModule,
        CookieJarModule.forRoot({ secrets: cookieSecrets, issuer: config.issuer }),
        PagesModule.forRoot(config.brand),
        WellKnownModule,
        TokenEndpointsModule,
        UsersModule,
        InteractionModule,
        LogoutModule,
        UserinfoModule,
        ClaimsModule,
        AdminModule,
        AdminGrantsModule,
        RegistrationModule,
        OpenApiModule,
      ],
      providers: [
        databaseReadiness(),
        busReadiness(),
        kvReadiness(),
        databaseMetrics(),
        kvMetrics(),
        {
          provide: APP_FILTER,
          inject: [PageRenderer],
          useFactory: (pages: PageRenderer) => new HttpExceptionFilter(config.issuer, pages),
        },
      ],
    };
  }
}

/** Start-up steps that need the created application (before it listens). */
export function configureGateway(app: INestApplication): void {
  app.get(OpenApiService).build(app);
}
