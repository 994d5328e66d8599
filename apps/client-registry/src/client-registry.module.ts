import { DynamicModule, Module } from '@nestjs/common';
import { AuditClientModule, auditSigningKeyFor } from '@latchkey/audit-client';
import type { PlatformConfig } from '@latchkey/config';
import { Services } from '@latchkey/contracts';
import { busReadiness, databaseReadiness, platformImports } from '@latchkey/platform';
import { PersistenceModule } from '@latchkey/persistence';
import { CLIENT_REGISTRY_PERSISTENCE } from './client-registry.persistence';
import { ClientsModule } from './clients/clients.module';
import { RegistrationModule } from './registration/registration.module';
import { ResourcesModule } from './resources/resources.module';
import { RegistryCoreModule } from './shared/registry-core.module';

/** OAuth clients, their hashed secrets and API resources. Answers `clients.*` on the bus. */
@Module({})
export class ClientRegistryModule {
  static forRoot(config: PlatformConfig): DynamicModule {
    return {
      module: ClientRegistryModule,
      imports: [
        ...platformImports(Services.ClientRegistry, config),
        PersistenceModule.forService(CLIENT_REGISTRY_PERSISTENCE),
        AuditClientModule.forService({
          service: Services.ClientRegistry,
          schema: CLIENT_REGISTRY_PERSISTENCE.schema,
          natsUrl: config.natsUrl,
          natsAuth: config.natsAuth,
          signingKey: auditSigningKeyFor(Services.ClientRegistry, config),
        }),
        RegistryCoreModule.forRoot({
          adminClient: config.adminClient,
          issuer: config.issuer,
          outbound: config.outbound,
        }),
        ClientsModule,
        RegistrationModule,
        ResourcesModule,
      ],
      providers: [databaseReadiness(), busReadiness()],
    };
  }
}
